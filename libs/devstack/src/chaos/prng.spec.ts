import { Prng } from './prng';

describe('Prng', () => {
  it('replays the same sequence for the same seed and differs for another', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(seqA);
    expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('draws integers within bounds, covering both ends', () => {
    const p = new Prng(7);
    const seen = new Set(Array.from({ length: 500 }, () => p.int(1, 3)));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });

  it('makes lower-case version-4 UUIDs', () => {
    const p = new Prng(1);
    for (let i = 0; i < 50; i++)
      expect(p.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('forks independent streams by label, deterministically', () => {
    const x = new Prng(42).fork('orders').next();
    expect(new Prng(42).fork('orders').next()).toBe(x);
    expect(new Prng(42).fork('kills').next()).not.toBe(x);
  });
});
