import { MAX_ORDER_LINES, Order } from './order.aggregate';
import { InvalidOrderError, OrderNotCancellableError, OrderNotFulfillableError } from './order.errors';

const base = {
  id: '0b8f5c8e-4f5e-4a39-9b8e-2a7f3f5d9c11',
  customerId: '5b7c1e0e-6a49-4d4a-8f5c-1f4b8f5a2d33',
  now: new Date(0),
};
const t = new Date(1000);
const eur = (amount: number) => ({ amount, currency: 'EUR' });
const paymentId = '7c6d5e4f-3a2b-4c1d-8e0f-9a8b7c6d5e01';
/** When `base` was placed: the saga-ending events carry it so the saga's duration can be measured. */
const placedAt = base.now.toISOString();

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? 'unexpected';
  }
  return undefined;
}

function placed(): Order {
  const order = Order.place({ ...base, lines: [{ sku: 'A', quantity: 2 }] });
  order.pullEvents();
  return order;
}

function confirmed(): Order {
  const order = placed();
  order.recordReservation('r-1', [{ sku: 'A', unitPrice: eur(500) }], eur(1000), t);
  order.confirm(paymentId, t);
  order.pullEvents();
  return order;
}

describe('Order.place', () => {
  it('creates a PENDING order without prices and raises OrderPlaced', () => {
    const order = Order.place({
      ...base,
      lines: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    });
    expect(order.snapshot()).toMatchObject({ status: 'PENDING', totalAmount: null, version: 0 });
    expect(order.pullEvents()).toEqual([
      {
        type: 'OrderPlaced',
        payload: {
          orderId: base.id,
          customerId: base.customerId,
          lines: [
            { sku: 'A', quantity: 2 },
            { sku: 'B', quantity: 1 },
          ],
        },
      },
    ]);
    expect(order.pullEvents()).toEqual([]);
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
    const err = (() => {
      try {
        Order.place({ ...base, lines: [{ sku: 'A', quantity }] });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidOrderError);
    expect((err as InvalidOrderError).code).toBe('ORDER.INVALID_QUANTITY');
  });
});

describe('Order saga transitions', () => {
  it('prices the lines once, while PENDING', () => {
    const order = placed();
    expect(order.recordReservation('r-1', [{ sku: 'A', unitPrice: eur(500) }], eur(1000), t)).toBe(true);
    expect(order.snapshot()).toMatchObject({
      totalAmount: 1000,
      currency: 'EUR',
      reservationId: 'r-1',
      lines: [{ sku: 'A', unitPrice: eur(500) }],
    });
    expect(order.recordReservation('r-2', [{ sku: 'A', unitPrice: eur(1) }], eur(2), t)).toBe(false);
  });

  it('confirms a PENDING order once, raising OrderConfirmed with the total', () => {
    const order = placed();
    order.recordReservation('r-1', [{ sku: 'A', unitPrice: eur(500) }], eur(1000), t);
    expect(order.confirm(paymentId, t)).toBe(true);
    expect(order.pullEvents()).toEqual([
      { type: 'OrderConfirmed', payload: { orderId: base.id, paymentId, total: eur(1000), placedAt } },
    ]);
    expect(order.confirm(paymentId, t)).toBe(false);
    expect(order.pullEvents()).toEqual([]);
  });

  it('cancels a PENDING order on a saga failure, and only a PENDING one', () => {
    const order = placed();
    expect(order.failSaga('OUT_OF_STOCK', t)).toBe(true);
    expect(order.pullEvents()).toEqual([
      {
        type: 'OrderCancelled',
        payload: { orderId: base.id, reason: 'OUT_OF_STOCK', previousStatus: 'PENDING', placedAt },
      },
    ]);
    expect(order.failSaga('EXPIRED', t)).toBe(false);
    expect(confirmed().failSaga('EXPIRED', t)).toBe(false);
  });

  it('ignores a confirmation arriving after cancellation', () => {
    const order = placed();
    order.failSaga('EXPIRED', t);
    expect(order.confirm(paymentId, t)).toBe(false);
    expect(order.status).toBe('CANCELLED');
  });

  it('lets the customer cancel PENDING and CONFIRMED orders, not after fulfilment was requested', () => {
    const p = placed();
    p.cancelByCustomer(t);
    expect(p.snapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    const c = confirmed();
    c.cancelByCustomer(t);
    expect(c.pullEvents()).toEqual([
      {
        type: 'OrderCancelled',
        payload: { orderId: base.id, reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED', placedAt },
      },
    ]);
    expect(codeOf(() => c.cancelByCustomer(t))).toBe('ORDER.NOT_CANCELLABLE');
    const f = confirmed();
    f.requestFulfillment(t);
    expect(() => f.cancelByCustomer(t)).toThrow(OrderNotCancellableError);
  });

  it('fulfils only CONFIRMED orders, once stock is committed and payment captured in either order', () => {
    expect(() => placed().requestFulfillment(t)).toThrow(OrderNotFulfillableError);
    for (const order of [confirmed(), confirmed()]) {
      order.requestFulfillment(t);
      expect(order.pullEvents()).toEqual([
        { type: 'OrderFulfillmentRequested', payload: { orderId: base.id } },
      ]);
      expect(codeOf(() => order.requestFulfillment(t))).toBe('ORDER.NOT_FULFILLABLE');
    }
    const a = confirmed();
    a.requestFulfillment(t);
    a.pullEvents();
    expect(a.markStockCommitted(t)).toBe(true);
    expect(a.status).toBe('CONFIRMED');
    expect(a.markStockCommitted(t)).toBe(false);
    expect(a.markPaymentCaptured(t)).toBe(true);
    expect(a.status).toBe('FULFILLED');
    expect(a.pullEvents()).toEqual([{ type: 'OrderFulfilled', payload: { orderId: base.id, placedAt } }]);
    const b = confirmed();
    b.requestFulfillment(t);
    b.markPaymentCaptured(t);
    b.markStockCommitted(t);
    expect(b.status).toBe('FULFILLED');
  });

  it('ignores commit/capture news for an order whose fulfilment was never requested', () => {
    const order = confirmed();
    expect(order.markStockCommitted(t)).toBe(false);
    expect(order.markPaymentCaptured(t)).toBe(false);
  });
});
