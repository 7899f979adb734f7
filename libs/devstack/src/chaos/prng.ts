import { mulberry32 } from '@ordermesh/platform';

/**
 * A seeded PRNG (the platform's mulberry32, as the services' chaos uses): every random choice of a chaos run comes
 * from one of these, so a seed replays the same orders, customers, cancels, fulfils and fault schedule (timing still
 * depends on the machine).
 */
export class Prng {
  private readonly draw: () => number;

  constructor(private readonly seed: number) {
    this.draw = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A version-4 UUID made of PRNG bits (lower case, as the contracts require). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  /** An independent stream for one concern (derived from the seed), so adding draws to one does not shift the others. */
  fork(label: string): Prng {
    let h = (this.seed >>> 0) ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Prng(h >>> 0);
  }
}
