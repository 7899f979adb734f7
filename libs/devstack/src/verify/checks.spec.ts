import { DLQ_HEADERS } from '@ordermesh/platform';
import { fixtureEnvelope, HEADERS } from '@ordermesh/contracts';
import { runChecks } from './checks';
import { OrderRow, World } from './world';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const ORDER = '11111111-1111-4111-8111-111111111111';

function world(overrides: Partial<World> = {}): World {
  return {
    now: NOW,
    orders: [],
    orderLines: new Map(),
    reservations: new Map(),
    stock: [],
    payments: [],
    paymentCancellations: [],
    outbox: { order: [], inventory: [], payment: [] },
    topicEvents: [],
    dlq: [],
    processed: new Set(),
    lag: { 'order-service': 0, 'inventory-service': 0, 'payment-service': 0 },
    ...overrides,
  };
}

const pending: OrderRow = {
  id: ORDER,
  status: 'PENDING',
  totalAmount: null,
  currency: null,
  cancellationReason: null,
  fulfillmentRequested: false,
  createdAt: NOW,
};

const violations = (w: World, opts = {}) =>
  Object.fromEntries(
    runChecks(w, opts)
      .filter((c) => c.violations)
      .map((c) => [c.name, c.examples]),
  );

describe('invariant checks (pure)', () => {
  it('an empty world passes every check', () => {
    expect(violations(world())).toEqual({});
  });

  it('a PENDING order waits while its reservation is HELD and not yet past expiry plus the grace', () => {
    const held = (expiresAt: Date) =>
      new Map([[ORDER, { id: 'r', orderId: ORDER, status: 'HELD' as const, expiresAt, lines: [] }]]);
    const future = world({ orders: [pending], reservations: held(new Date(NOW.getTime() + 1_000)) });
    expect(violations(future)).toEqual({});
    const justExpired = world({ orders: [pending], reservations: held(new Date(NOW.getTime() - 1_000)) });
    expect(violations(justExpired, { expiryGraceMs: 5_000 })).toEqual({});
    expect(violations(justExpired, { expiryGraceMs: 0 })).toEqual({ 'orders-settled': [ORDER] });
  });

  it('a PENDING order with an event in flight (unpublished row or consumer lag) is not stuck', () => {
    const unpublished = world({
      orders: [pending],
      outbox: {
        order: [{ eventId: 'e', eventType: 'OrderPlaced', orderId: ORDER, published: false }],
        inventory: [],
        payment: [],
      },
    });
    expect(violations(unpublished)).toEqual({ 'outbox-published': ['e'] });
    const lagging = world({ orders: [pending], lag: { 'inventory-service': 3 } });
    expect(violations(lagging)).toEqual({});
    expect(violations(world({ orders: [pending] }))).toEqual({ 'orders-settled': [ORDER] });
  });

  it('a dead-lettered message without its dlq-* headers is unexplained', () => {
    const w = world({
      dlq: [{ topic: 'order.events.dlq', partition: 0, offset: '7', headers: {}, value: 'x' }],
    });
    expect(violations(w)).toEqual({ 'dlq-explained': ['order.events.dlq:0:7'] });
  });

  it('a poison message is explained; a valid one is explained once its consumer applied it', () => {
    const envelope = fixtureEnvelope('OrderPlaced');
    const headers = {
      [DLQ_HEADERS.reason]: 'HANDLER.FAILED',
      [DLQ_HEADERS.consumer]: 'inventory-service',
      [DLQ_HEADERS.originalTopic]: 'order.events',
      [DLQ_HEADERS.failedAt]: NOW.toISOString(),
      [HEADERS.eventId]: envelope.eventId,
    };
    const dlq = [
      { topic: 'order.events.dlq', partition: 0, offset: '0', headers, value: 'not json' },
      { topic: 'order.events.dlq', partition: 0, offset: '1', headers, value: JSON.stringify(envelope) },
    ];
    // The fixture's order is unknown here, but dead-lettered messages do not make an order "known".
    expect(violations(world({ dlq }))).toEqual({ 'dlq-explained': [envelope.eventId] });
    const applied = new Set([`inventory-service|${envelope.eventId}`]);
    expect(violations(world({ dlq, processed: applied }))).toEqual({});
  });

  it('caps examples at maxExamples but counts every violation', () => {
    const orders = Array.from({ length: 7 }, (_, i) => ({
      ...pending,
      id: `11111111-1111-4111-8111-${String(i).padStart(12, '0')}`,
    }));
    const [settled] = runChecks(world({ orders }), { maxExamples: 3 });
    expect(settled!.violations).toBe(7);
    expect(settled!.examples).toHaveLength(3);
    expect(settled!.details[0]).toBe('PENDING, no reservation, nothing in flight');
  });
});
