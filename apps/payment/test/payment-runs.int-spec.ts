import { randomUUID } from 'node:crypto';
import { EnvelopeOf, EventEnvelope, fixtureEnvelope } from '@ordermesh/contracts';
import { EventProcessor, PreparedStatementClient, ProcessOutcome } from '@ordermesh/platform';
import { createTestDatabase, partitionRun, reactionProcessor, TestDatabase } from '@ordermesh/testing';
import { Pool } from 'pg';
import { AuthorizePaymentWhenStockReserved } from '../src/application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';
import { CapturePaymentWhenFulfillmentRequested } from '../src/application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';
import { VoidOrRefundWhenOrderCancelled } from '../src/application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';
import {
  MOCK_GATEWAY_CUSTOMERS,
  MockPaymentGateway,
} from '../src/infrastructure/gateway/mock-payment-gateway';
import { SqlPaymentStore } from '../src/infrastructure/sql/sql-payment.store';

/**
 * A consumed run of payment events locks its orders and reads their cancellations and payments up front, and
 * writes what changed with one statement. These tests hold it to the per-event path: the same events give the same
 * payments, cancellation tombstones and outbox either way.
 */
describe('payment reactions in a consumed run (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const store = new SqlPaymentStore();
  const clock = { now: () => new Date('2030-01-01T00:00:00.000Z') };
  const gateway = new MockPaymentGateway({ authorizationLimit: 100_000, latencyMs: 0 });

  beforeAll(async () => {
    db = await createTestDatabase('payment');
    // One connection: runs and single events share the pool client, so state a run left on it would show.
    pool = new Pool({ connectionString: db.url, max: 1, Client: PreparedStatementClient });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function processor(batched: boolean): EventProcessor {
    return reactionProcessor(
      pool,
      'payment-service',
      [
        [
          'StockReserved',
          new AuthorizePaymentWhenStockReserved(store, gateway, clock, { next: () => randomUUID() }),
        ],
        ['OrderCancelled', new VoidOrRefundWhenOrderCancelled(store, gateway, clock)],
        ['OrderFulfillmentRequested', new CapturePaymentWhenFulfillmentRequested(store, gateway, clock)],
      ],
      batched
        ? (tx, envelopes, run) =>
            store.withinRun(
              tx,
              envelopes.map((e) => e.aggregateId),
              run,
            )
        : null,
    ).processor;
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
   * authorized), o4 authorized then cancelled (voided), o5 authorized twice (a second StockReserved: no second hold).
   */
  function world() {
    const o = Array.from({ length: 5 }, () => randomUUID());
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
      `SELECT array_position($1::uuid[], aggregate_id::uuid) AS order_no, event_type FROM outbox
        WHERE aggregate_id = ANY($1::text[]) ORDER BY id`,
      [orders],
    );
    return { payments: payments.rows, tombstones: tombstones.rows, outbox: outbox.rows };
  }

  it('gives the same payments, tombstones and outbox as handling the events one by one', async () => {
    const batchedWorld = world();
    const singleWorld = world();
    const batched = processor(true);
    const single = processor(false);
    const batchOutcomes: ProcessOutcome[][] = [];
    for (const run of batchedWorld.runs) batchOutcomes.push(await batched.processBatch(messages(run)));
    const singleOutcomes: ProcessOutcome[][] = [];
    for (const run of singleWorld.runs) {
      const out: ProcessOutcome[] = [];
      for (const m of messages(run)) out.push(await single.process(m));
      singleOutcomes.push(out);
    }

    expect(batchOutcomes).toEqual(singleOutcomes);
    const got = await observed(batchedWorld.orders);
    expect(got).toEqual(await observed(singleWorld.orders));
    expect(got.payments).toEqual([
      {
        order_no: 1,
        status: 'CAPTURED',
        amount: '2500',
        captured_amount: '2500',
        refunded_amount: '0',
        decline_reason: null,
      },
      {
        order_no: 2,
        status: 'DECLINED',
        amount: '2500',
        captured_amount: '0',
        refunded_amount: '0',
        decline_reason: 'INSUFFICIENT_FUNDS',
      },
      {
        order_no: 4,
        status: 'VOIDED',
        amount: '2500',
        captured_amount: '0',
        refunded_amount: '0',
        decline_reason: null,
      },
      {
        order_no: 5,
        status: 'AUTHORIZED',
        amount: '2500',
        captured_amount: '0',
        refunded_amount: '0',
        decline_reason: null,
      },
    ]);
    expect(got.tombstones.map((t) => t.order_no)).toEqual([3, 4]);
    expect(got.outbox.map((r) => [r.order_no, r.event_type])).toEqual([
      [1, 'PaymentAuthorized'],
      [2, 'PaymentDeclined'],
      [4, 'PaymentAuthorized'],
      [5, 'PaymentAuthorized'],
      [1, 'PaymentCaptured'],
      [4, 'PaymentVoided'],
    ]);
  });
});
