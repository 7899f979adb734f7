import { allocate, mergeBySku, ReservationTotalOverflowError, StockOffer } from './stock-allocation';

const offer = (sku: string, available: number, amount = 100, currency = 'EUR'): StockOffer => ({
  sku,
  available,
  unitPrice: { amount, currency },
});

describe('allocate (all or nothing)', () => {
  it('prices every line from the catalogue, sorts by sku and totals', () => {
    const result = allocate(
      [
        { sku: 'B', quantity: 2 },
        { sku: 'A', quantity: 3 },
      ],
      [offer('A', 3, 1299), offer('B', 10, 500)],
    );
    expect(result).toEqual({
      ok: true,
      lines: [
        { sku: 'A', quantity: 3, unitPrice: { amount: 1299, currency: 'EUR' } },
        { sku: 'B', quantity: 2, unitPrice: { amount: 500, currency: 'EUR' } },
      ],
      total: { amount: 3 * 1299 + 2 * 500, currency: 'EUR' },
    });
  });

  it('fails with UNKNOWN_SKU naming every unknown sku, before looking at stock', () => {
    expect(
      allocate(
        [
          { sku: 'A', quantity: 99 },
          { sku: 'X', quantity: 1 },
          { sku: 'Y', quantity: 1 },
        ],
        [offer('A', 0)],
      ),
    ).toEqual({ ok: false, reason: 'UNKNOWN_SKU', skus: ['X', 'Y'] });
  });

  it('fails with OUT_OF_STOCK naming only the short skus', () => {
    expect(
      allocate(
        [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 5 },
          { sku: 'C', quantity: 1 },
        ],
        [offer('A', 2), offer('B', 4), offer('C', 0)],
      ),
    ).toEqual({ ok: false, reason: 'OUT_OF_STOCK', skus: ['B', 'C'] });
  });

  it('fails with MIXED_CURRENCY when lines are priced in different currencies', () => {
    expect(
      allocate(
        [
          { sku: 'A', quantity: 1 },
          { sku: 'B', quantity: 1 },
          { sku: 'C', quantity: 1 },
        ],
        [offer('A', 5, 100, 'EUR'), offer('B', 5, 100, 'USD'), offer('C', 5, 100, 'EUR')],
      ),
    ).toEqual({ ok: false, reason: 'MIXED_CURRENCY', skus: ['B'] });
  });

  it('takes the reference currency from the first line as placed, not from sku order', () => {
    expect(
      allocate(
        [
          { sku: 'Z', quantity: 1 },
          { sku: 'A', quantity: 1 },
        ],
        [offer('A', 5, 100, 'EUR'), offer('Z', 5, 100, 'USD')],
      ),
    ).toEqual({ ok: false, reason: 'MIXED_CURRENCY', skus: ['A'] });
  });

  it('treats a sku requested twice as one line with the summed quantity', () => {
    const result = allocate(
      [
        { sku: 'A', quantity: 2 },
        { sku: 'A', quantity: 2 },
      ],
      [offer('A', 3)],
    );
    expect(result).toEqual({ ok: false, reason: 'OUT_OF_STOCK', skus: ['A'] });
  });

  it('reserves exactly the available quantity', () => {
    expect(allocate([{ sku: 'A', quantity: 3 }], [offer('A', 3)]).ok).toBe(true);
  });

  it('refuses a total beyond the safe integer range rather than losing precision', () => {
    expect(() =>
      allocate([{ sku: 'A', quantity: 10_000 }], [offer('A', 10_000, Number.MAX_SAFE_INTEGER)]),
    ).toThrow(ReservationTotalOverflowError);
  });

  it('rejects an empty request and non-positive quantities', () => {
    expect(() => mergeBySku([])).toThrow(RangeError);
    expect(() => mergeBySku([{ sku: 'A', quantity: 0 }])).toThrow(RangeError);
  });
});
