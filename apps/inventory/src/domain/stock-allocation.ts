import { Money } from './money';
import { ReservedLine } from './reservation';

export interface RequestedLine {
  sku: string;
  quantity: number;
}

/** What the catalogue knows about one requested SKU, read with its stock row locked. */
export interface StockOffer {
  sku: string;
  available: number;
  unitPrice: Money;
}

export type AllocationFailureReason = 'UNKNOWN_SKU' | 'MIXED_CURRENCY' | 'OUT_OF_STOCK';

export type Allocation =
  | { ok: true; lines: ReservedLine[]; total: Money }
  | { ok: false; reason: AllocationFailureReason; skus: string[] };

export class ReservationTotalOverflowError extends Error {
  readonly code = 'RESERVATION.TOTAL_OVERFLOW';
}

/**
 * Decides a reservation all or nothing: either every line can be reserved and priced from the catalogue, or the
 * first failing rule (unknown SKUs, then mixed currencies, then short stock) names every SKU that breaks it.
 * Currencies are compared with that of the first requested line.
 * Lines come back in SKU order (the order stock rows are locked in); a SKU requested twice is one line.
 */
export function allocate(requested: readonly RequestedLine[], offers: readonly StockOffer[]): Allocation {
  const lines = mergeBySku(requested);
  const bySku = new Map(offers.map((o) => [o.sku, o]));

  const unknown = lines.filter((l) => !bySku.has(l.sku)).map((l) => l.sku);
  if (unknown.length) return { ok: false, reason: 'UNKNOWN_SKU', skus: unknown };

  // The order's currency is that of its first line as placed; lines priced otherwise are the odd ones out.
  const currency = bySku.get(requested[0]!.sku)!.unitPrice.currency;
  const foreign = lines.filter((l) => bySku.get(l.sku)!.unitPrice.currency !== currency).map((l) => l.sku);
  if (foreign.length) return { ok: false, reason: 'MIXED_CURRENCY', skus: foreign };

  const short = lines.filter((l) => bySku.get(l.sku)!.available < l.quantity).map((l) => l.sku);
  if (short.length) return { ok: false, reason: 'OUT_OF_STOCK', skus: short };

  let total = 0n;
  const priced = lines.map((l) => {
    const unitPrice = bySku.get(l.sku)!.unitPrice;
    total += BigInt(unitPrice.amount) * BigInt(l.quantity);
    return { sku: l.sku, quantity: l.quantity, unitPrice: { ...unitPrice } };
  });
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ReservationTotalOverflowError(
      `reservation total ${total} exceeds the largest representable amount`,
    );
  }
  return { ok: true, lines: priced, total: { amount: Number(total), currency } };
}

/** Requested lines with one entry per SKU (quantities summed), sorted by SKU. */
export function mergeBySku(requested: readonly RequestedLine[]): RequestedLine[] {
  if (requested.length === 0) throw new RangeError('a reservation needs at least one line');
  const qty = new Map<string, number>();
  for (const l of requested) {
    if (!Number.isInteger(l.quantity) || l.quantity < 1)
      throw new RangeError(`quantity of ${l.sku} must be a positive integer`);
    qty.set(l.sku, (qty.get(l.sku) ?? 0) + l.quantity);
  }
  return [...qty.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}
