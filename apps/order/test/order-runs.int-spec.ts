import { randomUUID } from 'node:crypto';
import { EventEnvelope, fixtureEnvelope } from '@ordermesh/contracts';
import { EventProcessor, PreparedStatementClient, ProcessOutcome } from '@ordermesh/platform';
import {
  createTestDatabase,
  partitionRun,
  reactionProcessor,
  serviceReactions,
  TestDatabase,
} from '@ordermesh/testing';
import { Pool } from 'pg';
import { CancelOrderWhenPaymentDeclined } from '../src/application/cancel-order-when-payment-declined/cancel-order-when-payment-declined.handler';
import { ConfirmOrderWhenReservationConfirmed } from '../src/application/confirm-order-when-reservation-confirmed/confirm-order-when-reservation-confirmed.handler';
import { PlaceOrderHandler } from '../src/application/place-order/place-order.handler';
import { RecordPaymentWhenPaymentAuthorized } from '../src/application/record-payment-when-payment-authorized/record-payment-when-payment-authorized.handler';
import { RecordReservationWhenStockReserved } from '../src/application/record-reservation-when-stock-reserved/record-reservation-when-stock-reserved.handler';
import { OrderSagaStep } from '../src/application/shared/order-saga-step';
import { SqlOrderPlacements } from '../src/infrastructure/sql/order-placements';
import { SqlOrderQueries } from '../src/infrastructure/sql/order-queries';
import { SqlOrderUnitOfWork } from '../src/infrastructure/sql/order-unit-of-work';

/**
 * A consumed run of saga events is one unit of work: its orders loaded with one query, written back with one
 * statement. These tests hold the one path to the saga's per-event semantics: a run of many events gives the same
 * orders, outbox and history as the same events handled one at a time (each a run of one), including several events
 * for one order in one run and a run that fails and is replayed.
 */
describe('order reactions in a consumed run (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let placeOrder: PlaceOrderHandler;
  let dlq: unknown[];
  const clock = { now: () => new Date('2030-01-01T00:00:00.000Z') };

  beforeAll(async () => {
    db = await createTestDatabase('order');
    // One connection: every run and every single event below reuses the same pool client, so state a run left
    // behind on it would show.
    pool = new Pool({ connectionString: db.url, max: 1, Client: PreparedStatementClient });
    placeOrder = new PlaceOrderHandler(new SqlOrderPlacements(pool), new SqlOrderQueries(pool), clock, {
      next: () => randomUUID(),
    });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function processor(): EventProcessor {
    const step = new OrderSagaStep(clock);
    const built = reactionProcessor(
      pool,
      'order-service',
      serviceReactions({ service: 'order', aggregateType: 'order' }, new SqlOrderUnitOfWork(), [
        ['StockReserved', new RecordReservationWhenStockReserved(step)],
        ['PaymentAuthorized', new RecordPaymentWhenPaymentAuthorized(step)],
        ['ReservationConfirmed', new ConfirmOrderWhenReservationConfirmed(step)],
        ['PaymentDeclined', new CancelOrderWhenPaymentDeclined(step)],
      ]),
    );
    dlq = built.deadLettered;
    return built.processor;
  }

  async function place(): Promise<string> {
    const { order } = await placeOrder.execute({
      customerId: randomUUID(),
      lines: [
        { sku: 'MUG-RED', quantity: 2 },
        { sku: 'TEE-BLUE', quantity: 1 },
      ],
      idempotencyKey: null,
      correlationId: randomUUID(),
    });
    return order.id;
  }

  /** The saga's events for one order: a confirmation, or a decline. */
  function sagaEvents(orderId: string, outcome: 'confirm' | 'decline'): EventEnvelope[] {
    const reservationId = randomUUID();
    const paymentId = randomUUID();
    const base = { aggregateId: orderId, eventId: undefined };
    const reserved = fixtureEnvelope('StockReserved', {
      ...base,
      eventId: randomUUID(),
      payload: {
        orderId,
        customerId: randomUUID(),
        reservationId,
        lines: [
          { sku: 'MUG-RED', quantity: 2, unitPrice: { amount: 1299, currency: 'EUR' } },
          { sku: 'TEE-BLUE', quantity: 1, unitPrice: { amount: 1500, currency: 'EUR' } },
        ],
        total: { amount: 4098, currency: 'EUR' },
        expiresAt: '2030-01-01T00:15:00.000Z',
      },
    });
    if (outcome === 'decline') {
      return [
        reserved,
        fixtureEnvelope('PaymentDeclined', {
          ...base,
          eventId: randomUUID(),
          payload: { orderId, paymentId, reason: 'INSUFFICIENT_FUNDS' },
        }),
      ];
    }
    return [
      reserved,
      fixtureEnvelope('PaymentAuthorized', {
        ...base,
        eventId: randomUUID(),
        payload: { orderId, paymentId, amount: { amount: 4098, currency: 'EUR' } },
      }),
      fixtureEnvelope('ReservationConfirmed', {
        ...base,
        eventId: randomUUID(),
        payload: { orderId, reservationId, paymentId },
      }),
    ];
  }

  const messages = (envelopes: EventEnvelope[]) => partitionRun(envelopes, () => 'inventory.events');

  /** Interleaves the orders' events (each order's stay in order), as a partition holding several orders would. */
  function interleave(perOrder: EventEnvelope[][]): EventEnvelope[] {
    const out: EventEnvelope[] = [];
    for (let i = 0; perOrder.some((events) => i < events.length); i++) {
      for (const events of perOrder) if (events[i]) out.push(events[i]!);
    }
    return out;
  }

  /** What an order looks like afterwards, without ids and times that differ between runs. */
  async function observed(orderId: string) {
    const { rows: orders } = await pool.query(
      `SELECT status, total_amount, currency, cancellation_reason, version, terminal_at IS NOT NULL AS terminal,
              (SELECT json_agg(json_build_array(sku, unit_price_amount, currency) ORDER BY line_no)
                 FROM order_lines WHERE order_id = o.id) AS lines
         FROM orders o WHERE id = $1`,
      [orderId],
    );
    const { rows: outbox } = await pool.query(
      `SELECT event_type, payload - 'orderId' - 'paymentId' - 'placedAt' - 'customerId' AS payload FROM outbox
        WHERE aggregate_id = $1 ORDER BY id`,
      [orderId],
    );
    const { rows: history } = await pool.query(
      `SELECT event_type, status_after, producer FROM order_history WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );
    return { order: orders[0], outbox, history };
  }

  it('gives the same orders, outbox rows and history as handling the events one by one', async () => {
    const batchedOrders = [await place(), await place(), await place()];
    const singleOrders = [await place(), await place(), await place()];
    const scenario = ['confirm', 'decline', 'confirm'] as const;

    const run = interleave(batchedOrders.map((id, i) => sagaEvents(id, scenario[i]!)));
    const batchOutcomes = await processor().processBatch(messages(run));
    const one = processor();
    const singleOutcomes: ProcessOutcome[] = [];
    for (const m of messages(interleave(singleOrders.map((id, i) => sagaEvents(id, scenario[i]!))))) {
      singleOutcomes.push(await one.process(m));
    }

    expect(batchOutcomes).toEqual(run.map(() => 'handled'));
    expect(singleOutcomes).toEqual(batchOutcomes);
    for (let i = 0; i < scenario.length; i++) {
      const batched = await observed(batchedOrders[i]!);
      expect(batched).toEqual(await observed(singleOrders[i]!));
    }
    // Spot-check the content, not only the equality: a confirmed order, priced, with its events in order.
    const confirmed = await observed(batchedOrders[0]!);
    expect(confirmed.order).toMatchObject({ status: 'CONFIRMED', total_amount: '4098', currency: 'EUR' });
    expect(confirmed.order.lines).toEqual([
      ['MUG-RED', 1299, 'EUR'],
      ['TEE-BLUE', 1500, 'EUR'],
    ]);
    expect(confirmed.outbox.map((r: { event_type: string }) => r.event_type)).toEqual([
      'OrderPlaced',
      'OrderConfirmed',
    ]);
    expect(confirmed.history.map((h: { event_type: string }) => h.event_type)).toEqual([
      'OrderPlaced',
      'StockReserved',
      'PaymentAuthorized',
      'ReservationConfirmed',
      'OrderConfirmed',
    ]);
    const declined = await observed(batchedOrders[1]!);
    expect(declined.order).toMatchObject({ status: 'CANCELLED', cancellation_reason: 'PAYMENT_DECLINED' });
    expect(declined.outbox.map((r: { event_type: string }) => r.event_type)).toEqual([
      'OrderPlaced',
      'OrderCancelled',
    ]);
  });

  it('treats an event redelivered within the run and after it as a duplicate', async () => {
    const orderId = await place();
    const events = sagaEvents(orderId, 'confirm');
    const p = processor();
    const outcomes = await p.processBatch(messages([...events, events[0]!]));
    expect(outcomes).toEqual(['handled', 'handled', 'handled', 'duplicate']);
    expect(await p.processBatch(messages(events))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect((await observed(orderId)).order).toMatchObject({ status: 'CONFIRMED', version: 3 });
  });

  it('rolls back a run with an event for an unknown order and replays it one by one: the rest is handled', async () => {
    const known = await place();
    const unknown = randomUUID();
    const run = [...sagaEvents(known, 'confirm'), sagaEvents(unknown, 'decline')[1]!];
    const outcomes = await processor().processBatch(messages(run));
    expect(outcomes).toEqual(['handled', 'handled', 'handled', 'dead-lettered']);
    expect(dlq).toHaveLength(1);
    expect((await observed(known)).order).toMatchObject({ status: 'CONFIRMED' });
    // The run left nothing behind on the (single) connection: a run of one works on it.
    const again = await place();
    expect(await processor().process(messages(sagaEvents(again, 'decline'))[0]!)).toBe('handled');
    expect((await observed(again)).order).toMatchObject({ status: 'PENDING', total_amount: '4098' });
  });
});
