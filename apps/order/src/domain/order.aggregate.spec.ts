import { MAX_ORDER_LINES, Order } from './order.aggregate';
import { InvalidOrderError } from './order.errors';

const base = { id: '0b8f5c8e-4f5e-4a39-9b8e-2a7f3f5d9c11', customerId: '5b7c1e0e-6a49-4d4a-8f5c-1f4b8f5a2d33', now: new Date(0) };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof InvalidOrderError ? e.code : 'unexpected';
  }
  return undefined;
}

describe('Order.place', () => {
  it('creates a PENDING order without prices', () => {
    const order = Order.place({ ...base, lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] });
    const s = order.snapshot();
    expect(s.status).toBe('PENDING');
    expect(s.lines).toEqual([
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 1 },
    ]);
    expect(s.totalAmount).toBeNull();
    expect(s.version).toBe(0);
  });

  it('rejects an order without lines', () => {
    expect(codeOf(() => Order.place({ ...base, lines: [] }))).toBe('ORDER.NO_LINES');
  });

  it(`rejects more than ${MAX_ORDER_LINES} lines`, () => {
    const lines = Array.from({ length: MAX_ORDER_LINES + 1 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    expect(codeOf(() => Order.place({ ...base, lines }))).toBe('ORDER.TOO_MANY_LINES');
    expect(codeOf(() => Order.place({ ...base, lines: lines.slice(0, MAX_ORDER_LINES) }))).toBeUndefined();
  });

  it('rejects the same SKU twice', () => {
    const lines = [
      { sku: 'A', quantity: 1 },
      { sku: 'A', quantity: 3 },
    ];
    expect(codeOf(() => Order.place({ ...base, lines }))).toBe('ORDER.DUPLICATE_SKU');
  });

  it.each([0, -1, 1.5, Number.NaN, 10_001])('rejects quantity %p', (quantity) => {
    expect(codeOf(() => Order.place({ ...base, lines: [{ sku: 'A', quantity }] }))).toBe('ORDER.INVALID_QUANTITY');
  });

  it('does not share line arrays with the caller', () => {
    const lines = [{ sku: 'A', quantity: 1 }];
    const order = Order.place({ ...base, lines });
    lines[0]!.quantity = 99;
    expect(order.snapshot().lines[0]!.quantity).toBe(1);
  });
});
