import { eventually, SagaStack, withClient } from '@ordermesh/testing';
import { startStack } from './stack';
import {
  createProduct,
  DECLINED_CUSTOMER,
  getOrder,
  newSku,
  orderReaches,
  paymentsOf,
  placeOrder,
  settled,
  stockOf,
} from './saga-helpers';

/** The order saga end to end: three services, real PostgreSQL, real Kafka protocol, nothing mocked but the gateway. */
describe('order saga (end to end)', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('confirms an order: stock reserved, payment authorized, order CONFIRMED with its total', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 10, 1299);
    const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
    const order = await orderReaches(stack, id, 'CONFIRMED');
    expect(order.total).toEqual({ amount: 2598, currency: 'EUR' });
    expect(await stockOf(stack, sku)).toEqual({ available: 8, reserved: 2, committed: 0 });
    expect(await paymentsOf(stack, id)).toEqual([
      expect.objectContaining({ status: 'AUTHORIZED', amount: 2598 }),
    ]);
    expect(order.history.map((h) => h.eventType)).toEqual(
      expect.arrayContaining([
        'OrderPlaced',
        'StockReserved',
        'PaymentAuthorized',
        'ReservationConfirmed',
        'OrderConfirmed',
      ]),
    );
  });

  it('fulfils a confirmed order: stock committed, payment captured, order FULFILLED', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 5, 500);
    const id = await placeOrder(stack, [{ sku, quantity: 3 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const res = await stack.http('order', 'POST', `/orders/${id}/fulfill`);
    expect(res.status).toBe(202);
    await orderReaches(stack, id, 'FULFILLED');
    expect(await stockOf(stack, sku)).toEqual({ available: 2, reserved: 0, committed: 3 });
    expect(await paymentsOf(stack, id)).toEqual([
      expect.objectContaining({ status: 'CAPTURED', amount: 1500 }),
    ]);
    const again = await stack.http<{ error: { code: string } }>('order', 'POST', `/orders/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ORDER.NOT_CANCELLABLE');
  });

  it('cancels for OUT_OF_STOCK without holding anything', async () => {
    const plenty = newSku();
    const scarce = newSku();
    await createProduct(stack, plenty, 10);
    await createProduct(stack, scarce, 1);
    const id = await placeOrder(stack, [
      { sku: plenty, quantity: 1 },
      { sku: scarce, quantity: 2 },
    ]);
    const order = await orderReaches(stack, id, 'CANCELLED');
    expect(order.cancellationReason).toBe('OUT_OF_STOCK');
    expect(await stockOf(stack, plenty)).toEqual({ available: 10, reserved: 0, committed: 0 });
    expect(await stockOf(stack, scarce)).toEqual({ available: 1, reserved: 0, committed: 0 });
    expect(await paymentsOf(stack, id)).toEqual([]);
  });

  it('cancels for an unknown SKU', async () => {
    const id = await placeOrder(stack, [{ sku: newSku('NOPE'), quantity: 1 }]);
    expect((await orderReaches(stack, id, 'CANCELLED')).cancellationReason).toBe('UNKNOWN_SKU');
  });

  it('cancels for PAYMENT_DECLINED and releases the reserved stock', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 4);
    const id = await placeOrder(stack, [{ sku, quantity: 3 }], DECLINED_CUSTOMER);
    const order = await orderReaches(stack, id, 'CANCELLED');
    expect(order.cancellationReason).toBe('PAYMENT_DECLINED');
    expect(await settled(() => stockOf(stack, sku))).toEqual({ available: 4, reserved: 0, committed: 0 });
    expect(await paymentsOf(stack, id)).toEqual([expect.objectContaining({ status: 'DECLINED' })]);
  });

  it('customer cancel after confirmation voids the authorization and releases the stock', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 3);
    const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const res = await stack.http<{ status: string }>('order', 'POST', `/orders/${id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('CANCELLED');
    await settled(async () => (await paymentsOf(stack, id))[0]?.status);
    expect(await paymentsOf(stack, id)).toEqual([expect.objectContaining({ status: 'VOIDED' })]);
    expect(await stockOf(stack, sku)).toEqual({ available: 3, reserved: 0, committed: 0 });
    const history = (await getOrder(stack, id)).history.map((h) => h.eventType);
    expect(history).toEqual(expect.arrayContaining(['OrderCancelled', 'StockReleased', 'PaymentVoided']));
  });

  it('customer cancel while PENDING (payment service down) ends with nothing held and no money taken', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 3);
    await stack.stopService('payment');
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await eventually(async () =>
      (await getOrder(stack, id)).history.some((h) => h.eventType === 'StockReserved') ? true : undefined,
    );
    const res = await stack.http<{ status: string }>('order', 'POST', `/orders/${id}/cancel`);
    expect(res.status).toBe(200);
    await stack.startService('payment');
    const final = await settled(async () => ({
      order: (await getOrder(stack, id)).status,
      stock: await stockOf(stack, sku),
      payments: (await paymentsOf(stack, id)).map((p) => p.status),
    }));
    expect(final.order).toBe('CANCELLED');
    expect(final.stock).toEqual({ available: 3, reserved: 0, committed: 0 });
    expect(final.payments.filter((p) => p === 'AUTHORIZED' || p === 'CAPTURED')).toEqual([]);
  });

  it('finishes the saga when a service that was down mid-saga comes back', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 2);
    await stack.stopService('payment');
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await eventually(async () =>
      (await getOrder(stack, id)).history.some((h) => h.eventType === 'StockReserved') ? true : undefined,
    );
    expect((await getOrder(stack, id)).status).toBe('PENDING');
    await stack.startService('payment');
    await orderReaches(stack, id, 'CONFIRMED');
    expect(await paymentsOf(stack, id)).toEqual([expect.objectContaining({ status: 'AUTHORIZED' })]);
  });

  it("handles a fetch's partitions as one run: fewer transactions than partitions (RunGatherer)", async () => {
    const sku = newSku();
    await createProduct(stack, sku, 100);
    await stack.stopService('inventory');
    // Spread over order.events' partitions (key = order id) while nobody consumes them, so the next fetch holds many.
    const ids = await Promise.all(
      Array.from({ length: 24 }, () => placeOrder(stack, [{ sku, quantity: 1 }])),
    );
    await stack.startService('inventory');
    await Promise.all(ids.map((id) => orderReaches(stack, id, 'CONFIRMED')));
    const placed = await withClient(stack.databases.order.url, (c) =>
      c.query<{ event_id: string }>(
        `SELECT event_id FROM outbox WHERE event_type = 'OrderPlaced' AND aggregate_id = ANY($1::text[])`,
        [ids],
      ),
    );
    expect(placed.rows).toHaveLength(ids.length);
    const rows = await withClient(stack.databases.inventory.url, (c) =>
      c.query<{ partitions: number; transactions: number }>(
        // Events handled in one transaction share its start time (processed_at = now()).
        `SELECT count(DISTINCT partition)::int AS partitions, count(DISTINCT processed_at)::int AS transactions
           FROM processed_messages WHERE event_id = ANY($1::uuid[])`,
        [placed.rows.map((r) => r.event_id)],
      ),
    );
    const { partitions, transactions } = rows.rows[0]!;
    expect(partitions).toBeGreaterThan(1);
    // A run that could not span partitions would need at least one transaction per partition.
    expect(transactions).toBeLessThan(partitions);
  });

  it('sells the last 3 units to exactly 3 of 20 concurrent orders', async () => {
    const sku = newSku('LAST');
    await createProduct(stack, sku, 3);
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => placeOrder(stack, [{ sku, quantity: 1 }])),
    );
    const finals = await settled(
      async () => Promise.all(ids.map(async (id) => (await getOrder(stack, id)).status)),
      2_000,
      60_000,
    );
    expect(finals.filter((s) => s === 'CONFIRMED')).toHaveLength(3);
    expect(finals.filter((s) => s === 'CANCELLED')).toHaveLength(17);
    expect(await stockOf(stack, sku)).toEqual({ available: 0, reserved: 3, committed: 0 });
    const cancelled = await Promise.all(ids.map((id) => getOrder(stack, id)));
    expect(
      cancelled.filter((o) => o.status === 'CANCELLED').every((o) => o.cancellationReason === 'OUT_OF_STOCK'),
    ).toBe(true);
  });

  it('answers 409 ORDER.NOT_CANCELLABLE for a cancelled order', async () => {
    const id = await placeOrder(stack, [{ sku: newSku('GONE'), quantity: 1 }]);
    await orderReaches(stack, id, 'CANCELLED');
    const res = await stack.http<{ error: { code: string } }>('order', 'POST', `/orders/${id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ORDER.NOT_CANCELLABLE');
  });

  it('exposes Prometheus metrics that move as orders flow', async () => {
    const scrape = async (service: 'order' | 'inventory' | 'payment') =>
      String((await stack.http(service, 'GET', '/metrics')).body);
    const value = (text: string, series: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(series + ' ') || l.startsWith(series + '{'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const before = await scrape('order');
    const sku = newSku('METRIC');
    await createProduct(stack, sku, 5);
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const after = await eventually(async () => {
      const text = await scrape('order');
      return value(text, 'ordermesh_orders_confirmed_total') >
        value(before, 'ordermesh_orders_confirmed_total')
        ? text
        : undefined;
    });
    expect(value(after, 'ordermesh_orders_placed_total')).toBeGreaterThan(
      value(before, 'ordermesh_orders_placed_total'),
    );
    expect(after).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/orders"[^}]*\} [1-9]/);
    expect(after).toMatch(/ordermesh_outbox_publish_lag_seconds_count\{[^}]*service="order"[^}]*\} [1-9]/);
    const inventory = await scrape('inventory');
    expect(inventory).toMatch(
      /ordermesh_consumer_handled_total\{[^}]*event_type="OrderPlaced"[^}]*outcome="handled"[^}]*\} [1-9]/,
    );
  });
});
