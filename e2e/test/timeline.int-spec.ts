import { randomUUID } from 'node:crypto';
import { fixtureEnvelope, FIXTURE_PAYLOADS, HEADERS, TOPICS } from '@ordermesh/contracts';
import { createKafka, KafkaPublisher } from '@ordermesh/platform';
import { eventually, SagaStack } from '@ordermesh/testing';
import { startStack } from './stack';
import { createProduct, DECLINED_CUSTOMER, newSku, orderReaches, placeOrder, settled } from './saga-helpers';

interface TimelineEvent {
  seq: number;
  eventId: string;
  eventType: string;
  service: string;
  occurredAt: string;
  recordedAt: string;
  sinceStartMs: number;
  causationId: string | null;
  causedBy: string | null;
  depth: number;
  traceId: string | null;
  spanId: string | null;
  statusAfter: string;
  action: string;
  effect: 'applied' | 'none';
  details: Record<string, unknown>;
}

interface Timeline {
  orderId: string;
  correlationId: string | null;
  status: string;
  cancellationReason?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  traceIds: string[];
  events: TimelineEvent[];
}

/** [eventType, producing service, causedBy, effect] per event, in causal order. */
type Expected = [string, string, string | null, 'applied' | 'none'];

async function timelineOf(stack: SagaStack, id: string): Promise<Timeline> {
  const res = await stack.http<Timeline>('order', 'GET', `/orders/${id}/timeline`);
  expect(res.status).toBe(200);
  return res.body;
}

/** The timeline once no more events arrive (compensations are asynchronous). */
function settledTimeline(stack: SagaStack, id: string, events: number): Promise<Timeline> {
  return settled(async () => {
    const t = await timelineOf(stack, id);
    return t.events.length >= events ? t : { pending: t.events.length };
  }) as Promise<Timeline>;
}

/** Properties every timeline has, whatever the path: causal links, numbering, depth, trace ids. */
function expectWellFormed(t: Timeline, id: string): void {
  expect(t.orderId).toBe(id);
  expect(t.events.map((e) => e.seq)).toEqual(t.events.map((_, i) => i + 1));
  const byId = new Map(t.events.map((e) => [e.eventId, e]));
  for (const e of t.events) {
    const cause = e.causationId ? byId.get(e.causationId) : undefined;
    if (cause) {
      expect(cause.seq).toBeLessThan(e.seq);
      expect(e.causedBy).toBe(cause.eventType);
      expect(e.depth).toBe(cause.depth + 1);
    } else {
      expect(e.causedBy).toBeNull();
      expect(e.depth).toBe(0);
    }
    expect(e.sinceStartMs).toBe(Date.parse(e.occurredAt) - Date.parse(t.startedAt));
    expect(e.action.length).toBeGreaterThan(3);
    expect(e.traceId === null || /^[0-9a-f]{32}$/.test(e.traceId)).toBe(true);
    expect(e.spanId === null || /^[0-9a-f]{16}$/.test(e.spanId)).toBe(true);
  }
  const traces = [...new Set(t.events.flatMap((e) => (e.traceId ? [e.traceId] : [])))];
  expect(t.traceIds).toEqual(traces);
  expect(t.startedAt).toBe(t.events.find((e) => e.eventType === 'OrderPlaced')?.occurredAt);
}

function shape(t: Timeline): Expected[] {
  return t.events.map((e) => [e.eventType, e.service, e.causedBy, e.effect]);
}

/** The timeline of each saga path, against the whole system. */
describe('order timeline (end to end)', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    // A short reservation lifetime for the expiry path; the other paths confirm well within it.
    stack = await startStack({ inventory: { RESERVATION_TTL_MS: '4000', EXPIRY_SWEEP_INTERVAL_MS: '200' } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('happy path: placed, reserved, authorized, confirmed, then fulfilled', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 10, 2999);
    const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const confirmed = await settledTimeline(stack, id, 5);
    expect(shape(confirmed)).toEqual([
      ['OrderPlaced', 'order', null, 'applied'],
      ['StockReserved', 'inventory', 'OrderPlaced', 'applied'],
      ['PaymentAuthorized', 'payment', 'StockReserved', 'applied'],
      ['ReservationConfirmed', 'inventory', 'PaymentAuthorized', 'applied'],
      ['OrderConfirmed', 'order', 'ReservationConfirmed', 'applied'],
    ]);
    expect(confirmed.finishedAt).toBeUndefined();
    expect(confirmed.events[1]!.action).toMatch(
      /^reserved 1 line \(2 units\), total 59\.98 EUR, held until \d{4}-\d\d-\d\dT/,
    );
    expect(confirmed.events[2]!.action).toBe('authorized 59.98 EUR');

    expect((await stack.http('order', 'POST', `/orders/${id}/fulfill`)).status).toBe(202);
    await orderReaches(stack, id, 'FULFILLED');
    const t = await settledTimeline(stack, id, 9);
    expectWellFormed(t, id);
    expect(t).toMatchObject({ status: 'FULFILLED', correlationId: expect.any(String) });
    expect(t.cancellationReason).toBeUndefined();
    expect(shape(t).slice(0, 6)).toEqual([
      ...shape(confirmed),
      ['OrderFulfillmentRequested', 'order', null, 'applied'],
    ]);
    // Stock commit and capture race each other; both answer the request, and the later one fulfils the order.
    expect(
      shape(t)
        .slice(6, 8)
        .sort((a, b) => a[0].localeCompare(b[0])),
    ).toEqual([
      ['PaymentCaptured', 'payment', 'OrderFulfillmentRequested', 'applied'],
      ['StockCommitted', 'inventory', 'OrderFulfillmentRequested', 'applied'],
    ]);
    // Whichever of the two the order handled second fulfilled it.
    expect(t.events[8]).toMatchObject({
      eventType: 'OrderFulfilled',
      service: 'order',
      causedBy: expect.stringMatching(/^(StockCommitted|PaymentCaptured)$/),
      statusAfter: 'FULFILLED',
    });
    expect(t.finishedAt).toBe(t.events[8]!.occurredAt);
    expect(t.durationMs).toBe(Date.parse(t.finishedAt!) - Date.parse(t.startedAt));
  });

  it('out of stock: placed, reservation failed, cancelled — nothing to compensate', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 1);
    const id = await placeOrder(stack, [{ sku, quantity: 5 }]);
    await orderReaches(stack, id, 'CANCELLED');
    const t = await settledTimeline(stack, id, 3);
    expectWellFormed(t, id);
    expect(shape(t)).toEqual([
      ['OrderPlaced', 'order', null, 'applied'],
      ['StockReservationFailed', 'inventory', 'OrderPlaced', 'applied'],
      ['OrderCancelled', 'order', 'StockReservationFailed', 'applied'],
    ]);
    expect(t).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK' });
    expect(t.events[1]!.action).toBe(`could not reserve: OUT_OF_STOCK, SKUs ${sku}`);
    expect(t.events[2]!.action).toBe('cancelled: OUT_OF_STOCK');
    expect(t.finishedAt).toBe(t.events[2]!.occurredAt);
  });

  it('payment declined: cancelled, and inventory releases the reservation', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 4);
    const id = await placeOrder(stack, [{ sku, quantity: 1 }], DECLINED_CUSTOMER);
    await orderReaches(stack, id, 'CANCELLED');
    const t = await settledTimeline(stack, id, 5);
    expectWellFormed(t, id);
    expect(shape(t)).toEqual([
      ['OrderPlaced', 'order', null, 'applied'],
      ['StockReserved', 'inventory', 'OrderPlaced', 'applied'],
      ['PaymentDeclined', 'payment', 'StockReserved', 'applied'],
      ['OrderCancelled', 'order', 'PaymentDeclined', 'applied'],
      ['StockReleased', 'inventory', 'OrderCancelled', 'applied'],
    ]);
    expect(t.events.map((e) => e.depth)).toEqual([0, 1, 2, 3, 4]);
    expect(t.events[2]!.action).toBe('declined: INSUFFICIENT_FUNDS');
    expect(t.events[4]!.action).toMatch(/^released reservation [0-9a-f-]{36}, reason ORDER_CANCELLED$/);
    expect(t).toMatchObject({ cancellationReason: 'PAYMENT_DECLINED' });
  });

  it('customer cancel after confirmation: a new root, then the stock released and the authorization voided', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 3, 1000);
    const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    expect((await stack.http('order', 'POST', `/orders/${id}/cancel`)).status).toBe(200);
    const t = await settledTimeline(stack, id, 8);
    expectWellFormed(t, id);
    expect(shape(t).slice(0, 6)).toEqual([
      ['OrderPlaced', 'order', null, 'applied'],
      ['StockReserved', 'inventory', 'OrderPlaced', 'applied'],
      ['PaymentAuthorized', 'payment', 'StockReserved', 'applied'],
      ['ReservationConfirmed', 'inventory', 'PaymentAuthorized', 'applied'],
      ['OrderConfirmed', 'order', 'ReservationConfirmed', 'applied'],
      ['OrderCancelled', 'order', null, 'applied'],
    ]);
    // The two compensations are independent: either may be recorded first.
    expect(
      shape(t)
        .slice(6)
        .sort((a, b) => a[0].localeCompare(b[0])),
    ).toEqual([
      ['PaymentVoided', 'payment', 'OrderCancelled', 'applied'],
      ['StockReleased', 'inventory', 'OrderCancelled', 'applied'],
    ]);
    expect(t.events[5]!.action).toBe('cancelled: CUSTOMER_REQUEST (was CONFIRMED)');
    expect(t.events.find((e) => e.eventType === 'PaymentVoided')!.action).toBe(
      'voided authorization 20.00 EUR',
    );
    expect(t.events.find((e) => e.eventType === 'OrderCancelled')!.statusAfter).toBe('CANCELLED');
    expect(t).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
  });

  it('observes the saga duration once per outcome on the order service', async () => {
    const scrape = async () => String((await stack.http('order', 'GET', '/metrics')).body);
    const count = (text: string, outcome: string): number => {
      const re = new RegExp(
        `^ordermesh_saga_duration_seconds_count\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`,
        'm',
      );
      return Number(re.exec(text)?.[1] ?? 0);
    };
    // The paths above confirmed, cancelled and fulfilled orders: 3 confirmed (happy, cancel-after-confirm and
    // this one), 3 cancelled, 1 fulfilled by the time this order is also confirmed.
    const sku = newSku();
    await createProduct(stack, sku, 2);
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const text = await eventually(async () => {
      const t = await scrape();
      return count(t, 'confirmed') >= 3 && count(t, 'cancelled') >= 3 && count(t, 'fulfilled') >= 1
        ? t
        : undefined;
    });
    expect(count(text, 'confirmed')).toBeGreaterThanOrEqual(3);
    expect(count(text, 'cancelled')).toBeGreaterThanOrEqual(3);
    expect(count(text, 'fulfilled')).toBeGreaterThanOrEqual(1);
    // One observation per published transition: the same source as the order counters.
    const counter = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1]);
    expect(count(text, 'confirmed')).toBe(counter('ordermesh_orders_confirmed_total'));
    expect(count(text, 'fulfilled')).toBe(counter('ordermesh_orders_fulfilled_total'));
    // What the Grafana dashboard reads.
    expect(text).toMatch(
      /^ordermesh_saga_duration_seconds_bucket\{le="\+Inf",[^}]*outcome="confirmed"[^}]*\} [1-9]/m,
    );
  });

  it('records the trace context an event arrived with, and a late event as changing nothing', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 2);
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    const before = await settledTimeline(stack, id, 5);
    const reserved = before.events.find((e) => e.eventType === 'StockReserved')!;
    // A decline for an order already CONFIRMED (a late or misbehaving producer), carrying a W3C traceparent.
    const traceId = randomUUID().replace(/-/g, '');
    const spanId = traceId.slice(0, 16);
    const late = fixtureEnvelope('PaymentDeclined', {
      eventId: randomUUID(),
      aggregateId: id,
      correlationId: before.correlationId ?? id,
      causationId: reserved.eventId,
      occurredAt: new Date().toISOString(),
      payload: { ...FIXTURE_PAYLOADS.PaymentDeclined, orderId: id, reason: 'CARD_BLOCKED' },
    });
    const kafka = createKafka(
      { brokers: [stack.broker.address], clientId: 'timeline-test' },
      () => undefined,
    );
    const publisher = new KafkaPublisher(kafka);
    try {
      await publisher.publish([
        {
          topic: TOPICS.payment,
          key: id,
          value: JSON.stringify(late),
          headers: {
            [HEADERS.eventType]: late.eventType,
            [HEADERS.eventId]: late.eventId,
            [HEADERS.traceparent]: `00-${traceId}-${spanId}-01`,
          },
        },
      ]);
    } finally {
      await publisher.disconnect();
    }
    const t = await settledTimeline(stack, id, 6);
    expectWellFormed(t, id);
    const declined = t.events.find((e) => e.eventId === late.eventId)!;
    expect(declined).toMatchObject({
      eventType: 'PaymentDeclined',
      service: 'payment',
      causedBy: 'StockReserved',
      depth: reserved.depth + 1,
      effect: 'none',
      statusAfter: 'CONFIRMED',
      traceId,
      spanId,
      action: 'declined: CARD_BLOCKED; no change, the order was already CONFIRMED',
    });
    expect(declined.seq).toBeGreaterThan(reserved.seq);
    expect(t.traceIds).toContain(traceId);
    expect(t.status).toBe('CONFIRMED');
  });

  it('answers 404 ORDER.NOT_FOUND for an unknown order and 400 for a malformed id', async () => {
    const missing = await stack.http<{ error: { code: string } }>(
      'order',
      'GET',
      '/orders/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/timeline',
    );
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ORDER.NOT_FOUND');
    const malformed = await stack.http<{ error: { code: string } }>(
      'order',
      'GET',
      '/orders/not-a-uuid/timeline',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION.FAILED');
  });

  it('expiry: the reservation runs out while payment is down, and the order is cancelled (EXPIRED)', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 2);
    await stack.stopService('payment');
    try {
      const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
      await orderReaches(stack, id, 'CANCELLED', 30_000);
      const t = await settledTimeline(stack, id, 4);
      expectWellFormed(t, id);
      expect(shape(t)).toEqual([
        ['OrderPlaced', 'order', null, 'applied'],
        ['StockReserved', 'inventory', 'OrderPlaced', 'applied'],
        // The sweep is a timer: the expiry has no cause event, so it starts a chain of its own.
        ['ReservationExpired', 'inventory', null, 'applied'],
        ['OrderCancelled', 'order', 'ReservationExpired', 'applied'],
      ]);
      expect(t.events[2]!.action).toMatch(/^reservation [0-9a-f-]{36} expired, its stock released$/);
      expect(t).toMatchObject({ status: 'CANCELLED', cancellationReason: 'EXPIRED' });
      expect(t.durationMs).toBeGreaterThanOrEqual(4000);
    } finally {
      await stack.startService('payment');
    }
  });
});
