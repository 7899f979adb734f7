import { mulberry32 } from './prng';

describe('mulberry32', () => {
  const draw = (seed: number, n: number) => {
    const next = mulberry32(seed);
    return Array.from({ length: n }, () => next());
  };

  it('replays the same sequence for the same seed', () => {
    expect(draw(42, 1000)).toEqual(draw(42, 1000));
  });

  it('gives another sequence for another seed', () => {
    const a = draw(42, 20);
    const b = draw(43, 20);
    expect(a.filter((x, i) => x === b[i]).length).toBe(0);
  });

  it('stays in [0, 1) and spreads roughly uniformly', () => {
    const values = draw(7, 20_000);
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const buckets = new Array<number>(10).fill(0);
    for (const v of values) buckets[Math.floor(v * 10)]!++;
    // 2,000 expected per bucket; ±15 % is far outside what a uniform source misses by chance at this size.
    for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(300);
  });

  it('treats seeds modulo 2^32 (0 is a valid seed)', () => {
    expect(draw(0, 5)).toEqual(draw(2 ** 32, 5));
    expect(new Set(draw(0, 5)).size).toBe(5);
  });
});
