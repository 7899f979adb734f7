import { randomUUID } from 'node:crypto';
import { EnvelopeOf, EventEnvelope, fixtureEnvelope } from '@ordermesh/contracts';
import {
  DLQ_HEADERS,
  EventProcessor,
  OutboundMessage,
  PreparedStatementClient,
  ProcessOutcome,
} from '@ordermesh/platform';
import {
  createTestDatabase,
  partitionRun,
  reactionProcessor,
  serviceReactions,
  TestDatabase,
} from '@ordermesh/testing';
import { Pool } from 'pg';
import { AuthorizePaymentWhenStockReserved } from '../src/application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';
import { CapturePaymentWhenFulfillmentRequested } from '../src/application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';
import { VoidOrRefundWhenOrderCancelled } from '../src/application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';
import {
  AuthorizationRequest,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentGateway,
} from '../src/domain/payment-gateway';
import {
  MOCK_GATEWAY_CUSTOMERS,
  MockPaymentGateway,
} from '../src/infrastructure/gateway/mock-payment-gateway';
import { SqlPaymentUnitOfWork } from '../src/infrastructure/sql/payment-unit-of-work';

/**
 * The mock gateway, unavailable for its first `outages` calls (an outage, or an open circuit); it refuses the
 * authorization requests of `refused` customers (a request no retry can fix).
 */
class FlakyGateway implements PaymentGateway {
  calls = 0;
  /** Calls answered with GatewayUnavailableError. */
  unavailable = 0;
  readonly refused = new Set<string>();
  private readonly inner = new MockPaymentGateway({ authorizationLimit: 100_000, latencyMs: 0 });
  constructor(private readonly outages = 0) {}
  private up(): void {
    this.calls++;
    if (this.unavailable < this.outages) {
      this.unavailable++;
      throw new GatewayUnavailableError('gateway down', 'PAYMENT.GATEWAY_UNAVAILABLE');
    }
  }
  async authorize(request: AuthorizationRequest) {
    this.up();
    if (this.refused.has(request.customerId)) throw new GatewayRequestError('request refused');
    return this.inner.authorize(request);
  }
  async void(ref: string) {
    this.up();
    return this.inner.void(ref);
  }
  async capture(ref: string, amount: number) {
    this.up();
    return this.inner.capture(ref, amount);
  }
  async refund(ref: string, amount: number) {
    this.up();
    return this.inner.refund(ref, amount);
  }
}

/**
 * A consumed run of payment events is one unit of work: its orders locked and their cancellations and payments read
 * up front, what changed written with one statement. These tests hold the one path to the saga's per-event
 * semantics: the same events processed as one run and one by one (each a run of one, on separate data) give the same
 * payments, cancellation tombstones and outbox — including several events for one order in one run, redeliveries,
 * a failing run replayed, a gateway outage in the middle of a run, and one connection reused throughout.
 */
describe('payment reactions in a consumed run (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const clock = { now: () => new Date('2030-01-01T00:00:00.000Z') };

  beforeAll(async () => {
    db = await createTestDatabase('payment');
    // One connection: runs and single events share the pool client, so state a run left on it would show.
    pool = new Pool({ connectionString: db.url, max: 1, Client: PreparedStatementClient });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function processor(gateway: PaymentGateway = new FlakyGateway()): {
    processor: EventProcessor;
    deadLettered: OutboundMessage[];
  } {
    return reactionProcessor(
      pool,
      'payment-service',
      serviceReactions({ service: 'payment', aggregateType: 'payment' }, new SqlPaymentUnitOfWork(), [
        [
          'StockReserved',
          new AuthorizePaymentWhenStockReserved(gateway, clock, { next: () => randomUUID() }),
        ],
        ['OrderCancelled', new VoidOrRefundWhenOrderCancelled(gateway, clock)],
        ['OrderFulfillmentRequested', new CapturePaymentWhenFulfillmentRequested(gateway, clock)],
      ]),
    );
  }

  const stockReserved = (orderId: string, customerId = randomUUID(), amount = 2500) =>
    fixtureEnvelope('StockReserved', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: {
        orderId,
        customerId,
        reservationId: randomUUID(),
        lines: [{ sku: 'MUG-RED', quantity: 1, unitPrice: { amount, currency: 'EUR' } }],
        total: { amount, currency: 'EUR' },
        expiresAt: '2030-01-01T00:15:00.000Z',
      },
    });
  const cancelled = (orderId: string): EnvelopeOf<'OrderCancelled'> =>
    fixtureEnvelope('OrderCancelled', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId, reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED' },
    });
  const fulfil = (orderId: string) =>
    fixtureEnvelope('OrderFulfillmentRequested', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId },
    });

  const messages = (envelopes: EventEnvelope[]) =>
    partitionRun(envelopes, (e) => (e.eventType === 'StockReserved' ? 'inventory.events' : 'order.events'));

  /**
   * One world: o1 authorized then captured, o2 declined, o3 cancelled before its StockReserved (tombstone: never
   * authorized), o4 authorized then cancelled (voided), o5 authorized twice (a second StockReserved: no second hold),
   * o6 authorized, captured and cancelled (refunded) within one run, o7 cancelled and then reserved within one run.
   */
  function world() {
    const o = Array.from({ length: 7 }, () => randomUUID());
    const runs: EventEnvelope[][] = [
      [cancelled(o[2]!)],
      [
        stockReserved(o[0]!),
        stockReserved(o[1]!, MOCK_GATEWAY_CUSTOMERS.insufficientFunds),
        stockReserved(o[2]!),
        stockReserved(o[3]!),
        stockReserved(o[4]!),
        stockReserved(o[4]!),
      ],
      [fulfil(o[0]!), cancelled(o[3]!)],
      [stockReserved(o[5]!), fulfil(o[5]!), cancelled(o[6]!), cancelled(o[5]!), stockReserved(o[6]!)],
    ];
    return { orders: o, runs };
  }

  async function observed(orders: string[]) {
    const payments = await pool.query(
      `SELECT array_position($1::uuid[], order_id) AS order_no, status, amount, captured_amount, refunded_amount,
              decline_reason
         FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY 1`,
      [orders],
    );
    const tombstones = await pool.query(
      `SELECT array_position($1::uuid[], order_id) AS order_no, reason FROM order_cancellations
        WHERE order_id = ANY($1::uuid[]) ORDER BY 1`,
      [orders],
    );
    const outbox = await pool.query(
      `SELECT array_position($1::uuid[], aggregate_id::uuid) AS order_no, event_type, aggregate_type,
              payload - 'orderId' - 'paymentId' AS payload
         FROM outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY id`,
      [orders],
    );
    return { payments: payments.rows, tombstones: tombstones.rows, outbox: outbox.rows };
  }

  async function oneByOne(p: EventProcessor, runs: EventEnvelope[][]): Promise<ProcessOutcome[][]> {
    const outcomes: ProcessOutcome[][] = [];
    for (const run of runs) {
      const out: ProcessOutcome[] = [];
      for (const m of messages(run)) out.push(await p.process(m));
      outcomes.push(out);
    }
    return outcomes;
  }

  it('gives the same payments, tombstones and outbox as handling the events one by one', async () => {
    const batchedWorld = world();
    const singleWorld = world();
    const batched = processor().processor;
    const batchOutcomes: ProcessOutcome[][] = [];
    for (const run of batchedWorld.runs) batchOutcomes.push(await batched.processBatch(messages(run)));
    const singleOutcomes = await oneByOne(processor().processor, singleWorld.runs);

    expect(batchOutcomes).toEqual(batchedWorld.runs.map((run) => run.map(() => 'handled')));
    expect(batchOutcomes).toEqual(singleOutcomes);
    const got = await observed(batchedWorld.orders);
    expect(got).toEqual(await observed(singleWorld.orders));
    const payment = (order_no: number, status: string, more: Record<string, string | null> = {}) => ({
      order_no,
      status,
      amount: '2500',
      captured_amount: '0',
      refunded_amount: '0',
      decline_reason: null,
      ...more,
    });
    expect(got.payments).toEqual([
      payment(1, 'CAPTURED', { captured_amount: '2500' }),
      payment(2, 'DECLINED', { decline_reason: 'INSUFFICIENT_FUNDS' }),
      payment(4, 'VOIDED'),
      payment(5, 'AUTHORIZED'),
      payment(6, 'REFUNDED', { captured_amount: '2500', refunded_amount: '2500' }),
    ]);
    expect(got.tombstones.map((t) => t.order_no)).toEqual([3, 4, 6, 7]);
    expect(got.outbox.every((r) => r.aggregate_type === 'payment')).toBe(true);
    expect(got.outbox.map((r) => [r.order_no, r.event_type])).toEqual([
      [1, 'PaymentAuthorized'],
      [2, 'PaymentDeclined'],
      [4, 'PaymentAuthorized'],
      [5, 'PaymentAuthorized'],
      [1, 'PaymentCaptured'],
      [4, 'PaymentVoided'],
      [6, 'PaymentAuthorized'],
      [6, 'PaymentCaptured'],
      [6, 'PaymentRefunded'],
    ]);
  });

  it('treats an event redelivered within the run and after it as a duplicate: no second effect', async () => {
    const orderId = randomUUID();
    const events = [stockReserved(orderId), fulfil(orderId)];
    const gateway = new FlakyGateway();
    const { processor: p } = processor(gateway);

    expect(await p.processBatch(messages([...events, events[0]!, events[1]!]))).toEqual([
      'handled',
      'handled',
      'duplicate',
      'duplicate',
    ]);
    expect(await p.processBatch(messages(events))).toEqual(['duplicate', 'duplicate']);
    expect(gateway.calls).toBe(2);
    const got = await observed([orderId]);
    expect(got.payments).toEqual([expect.objectContaining({ status: 'CAPTURED', captured_amount: '2500' })]);
    expect(got.outbox.map((r) => r.event_type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
  });

  it('rolls back a run with a permanently failing event and replays it one by one: the rest is handled', async () => {
    const [a, b, bad] = [randomUUID(), randomUUID(), randomUUID()];
    const refusedCustomer = randomUUID();
    const gateway = new FlakyGateway();
    gateway.refused.add(refusedCustomer);
    const { processor: p, deadLettered } = processor(gateway);

    // The refusal comes after the run already authorized order a (in memory and at the gateway).
    const outcomes = await p.processBatch(
      messages([stockReserved(a), stockReserved(bad, refusedCustomer), stockReserved(b), fulfil(a)]),
    );

    expect(outcomes).toEqual(['handled', 'dead-lettered', 'handled', 'handled']);
    expect(deadLettered.map((m) => [m.key, m.headers[DLQ_HEADERS.reason]])).toEqual([
      [bad, 'PAYMENT.GATEWAY_REQUEST_REFUSED'],
    ]);
    const got = await observed([a, b, bad]);
    expect(got.payments.map((r) => [r.order_no, r.status])).toEqual([
      [1, 'CAPTURED'],
      [2, 'AUTHORIZED'],
    ]);
    // Each effect once, although the first attempt's run was rolled back after handling some of them.
    expect(got.outbox.map((r) => [r.order_no, r.event_type])).toEqual([
      [1, 'PaymentAuthorized'],
      [2, 'PaymentAuthorized'],
      [1, 'PaymentCaptured'],
    ]);
    // The rolled-back run left nothing behind on the (single) connection: a run of one works on it.
    const again = randomUUID();
    expect(await p.process(messages([cancelled(again)])[0]!)).toBe('handled');
    expect((await observed([again])).tombstones).toEqual([{ order_no: 1, reason: 'CUSTOMER_REQUEST' }]);
  });

  it('a gateway outage in a run: the run rolls back, the event waits, and the outcome equals one by one', async () => {
    const batchedWorld = world();
    const singleWorld = world();
    // Down for the first calls of the run that authorizes five orders: the event waits (RetryLaterError) instead
    // of declining, so every order ends as it would with the gateway up.
    const down = new FlakyGateway(3);
    const batched = processor(down).processor;
    const batchOutcomes: ProcessOutcome[][] = [];
    for (const run of batchedWorld.runs) batchOutcomes.push(await batched.processBatch(messages(run)));
    const singleOutcomes = await oneByOne(processor(new FlakyGateway(3)).processor, singleWorld.runs);
    expect(down.unavailable).toBe(3);

    expect(batchOutcomes).toEqual(batchedWorld.runs.map((run) => run.map(() => 'handled')));
    expect(singleOutcomes).toEqual(batchOutcomes);
    const got = await observed(batchedWorld.orders);
    expect(got).toEqual(await observed(singleWorld.orders));
    expect(got.payments.map((r) => [r.order_no, r.status])).toEqual([
      [1, 'CAPTURED'],
      [2, 'DECLINED'],
      [4, 'VOIDED'],
      [5, 'AUTHORIZED'],
      [6, 'REFUNDED'],
    ]);
  });
});
