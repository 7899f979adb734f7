import { Money } from './money';
import type { StockMove } from './reservation';

export type StockBucket = 'available' | 'reserved' | 'committed';

export class StockInvariantError extends Error {
  readonly code = 'STOCK.BUCKET_NEGATIVE';
}

/**
 * One SKU's units in three buckets. Units only ever move between buckets (available → reserved on a reservation;
 * reserved → available on a release or expiry; reserved → committed on fulfilment), so their sum is constant and
 * no bucket goes below zero — a move that would is refused, never clamped.
 */
export class StockLevel {
  private changed = false;

  constructor(
    readonly sku: string,
    private units: Record<StockBucket, number>,
    readonly unitPrice: Money,
  ) {}

  get available(): number {
    return this.units.available;
  }

  /** Holds `quantity` units for a reservation. */
  reserve(quantity: number): void {
    this.move(quantity, 'available', 'reserved');
  }

  /** Applies a reservation transition's move to `quantity` of its units. */
  apply(move: StockMove, quantity: number): void {
    this.move(quantity, 'reserved', move === 'RESERVED_TO_AVAILABLE' ? 'available' : 'committed');
  }

  /** Whether any move happened since it was loaded. */
  get isChanged(): boolean {
    return this.changed;
  }

  snapshot(): Readonly<Record<StockBucket, number>> {
    return { ...this.units };
  }

  private move(quantity: number, from: StockBucket, to: StockBucket): void {
    if (!Number.isInteger(quantity) || quantity <= 0)
      throw new StockInvariantError(`stock of ${this.sku}: cannot move ${quantity} units`);
    if (this.units[from] < quantity)
      throw new StockInvariantError(
        `stock of ${this.sku}: cannot move ${quantity} from ${from} (${this.units[from]})`,
      );
    this.units[from] -= quantity;
    this.units[to] += quantity;
    this.changed = true;
  }
}
