import { randomBytes, randomUUID } from 'node:crypto';
import { EnvelopeOf, EventEnvelope, EventType, fixtureEnvelope, PayloadOf } from '@ordermesh/contracts';
import { EventProcessor, PreparedStatementClient, ProcessOutcome } from '@ordermesh/platform';
import {
  createTestDatabase,
  partitionRun,
  reactionProcessor,
  serviceReactions,
  TestDatabase,
} from '@ordermesh/testing';
import { Pool } from 'pg';
import { CommitStockWhenFulfillmentRequested } from '../src/application/commit-stock-when-fulfillment-requested/commit-stock-when-fulfillment-requested.handler';
import { ConfirmReservationWhenPaymentAuthorized } from '../src/application/confirm-reservation-when-payment-authorized/confirm-reservation-when-payment-authorized.handler';
import { ReleaseStockWhenOrderCancelled } from '../src/application/release-stock-when-order-cancelled/release-stock-when-order-cancelled.handler';
import { ReserveStockWhenOrderPlaced } from '../src/application/reserve-stock-when-order-placed/reserve-stock-when-order-placed.handler';
import { SqlInventoryUnitOfWork } from '../src/infrastructure/sql/inventory-unit-of-work';

/**
 * A consumed run of inventory events is one unit of work: it locks and reads what its reactions claim up front and
 * writes the net result with one statement. These tests hold the one path to the saga's per-event semantics: a run
 * of many events gives the same stock, reservations and outbox as the same events one at a time (each a run of one) — with orders competing for the last units, an order placed and cancelled in one run, unknown
 * SKUs and redeliveries — and a failing run is replayed event by event.
 */
describe('inventory reactions in a consumed run (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const clock = { now: () => new Date('2030-01-01T00:00:00.000Z') };

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    // One connection: runs and single events share the pool client, so state a run left on it would show.
    pool = new Pool({ connectionString: db.url, max: 1, Client: PreparedStatementClient });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function processor(): EventProcessor {
    return reactionProcessor(
      pool,
      'inventory-service',
      serviceReactions({ service: 'inventory', aggregateType: 'reservation' }, new SqlInventoryUnitOfWork(), [
        [
          'OrderPlaced',
          new ReserveStockWhenOrderPlaced(clock, { next: () => randomUUID() }, { ttlMs: 900_000 }),
        ],
        ['PaymentAuthorized', new ConfirmReservationWhenPaymentAuthorized()],
        ['OrderCancelled', new ReleaseStockWhenOrderCancelled()],
        ['OrderFulfillmentRequested', new CommitStockWhenFulfillmentRequested()],
      ]),
    ).processor;
  }

  async function product(stock: number, unitPrice = 1000): Promise<string> {
    const sku = `RUN-${randomBytes(4).toString('hex').toUpperCase()}`;
    await pool.query(
      `WITH p AS (INSERT INTO products (sku, name, unit_price_amount, currency) VALUES ($1, $1, $3, 'EUR'))
       INSERT INTO stock_levels (sku, available) VALUES ($1, $2)`,
      [sku, stock, unitPrice],
    );
    return sku;
  }

  function event<T extends EventType>(type: T, orderId: string, payload: PayloadOf<T>): EnvelopeOf<T> {
    return fixtureEnvelope(type, { payload, aggregateId: orderId } as Partial<EnvelopeOf<T>>);
  }

  const messages = (envelopes: EventEnvelope[]) =>
    partitionRun(envelopes, (e) => (e.producer === 'order' ? 'order.events' : 'payment.events'));

  /** One world of the scenario: its own SKUs and orders, and the three runs of events to feed it. */
  async function world() {
    const [a, b, c] = [await product(4), await product(5), await product(1)];
    const [o1, o2, o3, o4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const placed = (orderId: string, lines: { sku: string; quantity: number }[]) =>
      event('OrderPlaced', orderId, { orderId, customerId: randomUUID(), lines });
    const cancelled = (orderId: string) =>
      event('OrderCancelled', orderId, { orderId, reason: 'CUSTOMER_REQUEST', previousStatus: 'PENDING' });
    const runs: EventEnvelope[][] = [
      [
        placed(o1, [
          { sku: a, quantity: 2 },
          { sku: b, quantity: 1 },
        ]),
        placed(o2, [{ sku: a, quantity: 3 }]), // 2 left after o1: OUT_OF_STOCK
        placed(o3, [
          { sku: c, quantity: 1 },
          { sku: b, quantity: 1 },
        ]),
        cancelled(o3), // placed and cancelled in the same run
        placed(o4, [{ sku: 'NO-SUCH-SKU', quantity: 1 }]),
        placed(o1, [{ sku: a, quantity: 1 }]), // a second OrderPlaced for o1 (new event id): already reserved
      ],
      [
        event('PaymentAuthorized', o1, {
          orderId: o1,
          paymentId: randomUUID(),
          amount: { amount: 3000, currency: 'EUR' },
        }),
      ],
      [event('OrderFulfillmentRequested', o1, { orderId: o1 }), cancelled(o2)],
    ];
    return { skus: [a, b, c], orders: [o1, o2, o3, o4], runs };
  }

  /** Stock, reservations and outbox of a world, without ids and times that differ between worlds. */
  async function observed(w: { skus: string[]; orders: string[] }) {
    const stock = await pool.query(
      `SELECT available, reserved, committed FROM stock_levels WHERE sku = ANY($1::text[])
        ORDER BY array_position($1::text[], sku)`,
      [w.skus],
    );
    const reservations = await pool.query(
      `SELECT array_position($1::uuid[], r.order_id) AS order_no, r.status, r.payment_id IS NOT NULL AS paid,
              r.total_amount, r.currency,
              (SELECT json_agg(json_build_array(array_position($2::text[], l.sku), l.quantity)
                                 ORDER BY array_position($2::text[], l.sku))
                 FROM reservation_lines l WHERE l.reservation_id = r.id) AS lines
         FROM reservations r WHERE r.order_id = ANY($1::uuid[]) ORDER BY 1`,
      [w.orders, w.skus],
    );
    const outbox = await pool.query(
      `SELECT array_position($1::uuid[], aggregate_id::uuid) AS order_no, event_type,
              payload->>'reason' AS reason
         FROM outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY id`,
      [w.orders],
    );
    return { stock: stock.rows, reservations: reservations.rows, outbox: outbox.rows };
  }

  it('gives the same stock, reservations and outbox as handling the events one by one', async () => {
    const batchedWorld = await world();
    const singleWorld = await world();
    const batched = processor();
    const single = processor();
    const batchOutcomes: ProcessOutcome[][] = [];
    for (const run of batchedWorld.runs) batchOutcomes.push(await batched.processBatch(messages(run)));
    const singleOutcomes: ProcessOutcome[][] = [];
    for (const run of singleWorld.runs) {
      const out: ProcessOutcome[] = [];
      for (const m of messages(run)) out.push(await single.process(m));
      singleOutcomes.push(out);
    }

    expect(batchOutcomes).toEqual(singleOutcomes);
    expect(batchOutcomes.flat().every((o) => o === 'handled')).toBe(true);
    const got = await observed(batchedWorld);
    expect(got).toEqual(await observed(singleWorld));
    // And what that is: o1 reserved, confirmed and committed; o2 out of stock; o3 reserved then released; o4 unknown.
    expect(got.stock).toEqual([
      { available: 2, reserved: 0, committed: 2 },
      { available: 4, reserved: 0, committed: 1 },
      { available: 1, reserved: 0, committed: 0 },
    ]);
    expect(got.reservations).toEqual([
      {
        order_no: 1,
        status: 'COMMITTED',
        paid: true,
        total_amount: '3000',
        currency: 'EUR',
        lines: [
          [1, 2],
          [2, 1],
        ],
      },
      {
        order_no: 3,
        status: 'RELEASED',
        paid: false,
        total_amount: '2000',
        currency: 'EUR',
        lines: [
          [2, 1],
          [3, 1],
        ],
      },
    ]);
    expect(got.outbox.map((r) => [r.order_no, r.event_type, r.reason])).toEqual([
      [1, 'StockReserved', null],
      [2, 'StockReservationFailed', 'OUT_OF_STOCK'],
      [3, 'StockReserved', null],
      [3, 'StockReleased', 'ORDER_CANCELLED'],
      [4, 'StockReservationFailed', 'UNKNOWN_SKU'],
      [1, 'ReservationConfirmed', null],
      [1, 'StockCommitted', null],
    ]);
  });

  it('rolls back a run that fails and replays it event by event, leaving nothing on the connection', async () => {
    const sku = await product(3);
    const pricey = await product(5, 4_000_000_000_000_000);
    const good = randomUUID();
    const bad = randomUUID();
    const run = [
      event('OrderPlaced', good, { orderId: good, customerId: randomUUID(), lines: [{ sku, quantity: 1 }] }),
      // Three units at 4e15 overflow a safe total: a permanent failure of this one event, inside the run.
      event('OrderPlaced', bad, {
        orderId: bad,
        customerId: randomUUID(),
        lines: [{ sku: pricey, quantity: 3 }],
      }),
    ];
    const outcomes = await processor().processBatch(messages(run));
    expect(outcomes).toEqual(['handled', 'dead-lettered']);
    const untouched = await pool.query('SELECT available, reserved FROM stock_levels WHERE sku = $1', [
      pricey,
    ]);
    expect(untouched.rows[0]).toEqual({ available: 5, reserved: 0 });
    const { rows } = await pool.query('SELECT available, reserved FROM stock_levels WHERE sku = $1', [sku]);
    expect(rows[0]).toEqual({ available: 2, reserved: 1 });
    // The connection is back to the per-event path: a direct reservation on it works and writes at once.
    const later = randomUUID();
    expect(
      await processor().process(
        messages([
          event('OrderPlaced', later, {
            orderId: later,
            customerId: randomUUID(),
            lines: [{ sku, quantity: 2 }],
          }),
        ])[0]!,
      ),
    ).toBe('handled');
    const after = await pool.query('SELECT available, reserved FROM stock_levels WHERE sku = $1', [sku]);
    expect(after.rows[0]).toEqual({ available: 0, reserved: 3 });
  });

  it('locks reservations before stock, as the expiry sweep does: a run waits for the sweep instead of deadlocking', async () => {
    const sku = await product(5);
    const orderId = randomUUID();
    expect(
      await processor().process(
        messages([
          event('OrderPlaced', orderId, { orderId, customerId: randomUUID(), lines: [{ sku, quantity: 2 }] }),
        ])[0]!,
      ),
    ).toBe('handled');
    const deadlocks = async () =>
      Number(
        (await pool.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()'))
          .rows[0].deadlocks,
      );
    const deadlocksBefore = await deadlocks();
    const other = new Pool({ connectionString: db.url, max: 2 });
    const sweep = await other.connect();
    try {
      // The sweep's order: the due reservation first...
      await sweep.query('BEGIN');
      await sweep.query('SELECT 1 FROM reservations WHERE order_id = $1 FOR UPDATE', [orderId]);
      // ...while a run that cancels the same order starts (and must wait on that reservation, holding no stock)...
      const cancel = event('OrderCancelled', orderId, {
        orderId,
        reason: 'CUSTOMER_REQUEST',
        previousStatus: 'PENDING',
      });
      const running = processor().processBatch(messages([cancel, cancel]));
      await new Promise((r) => setTimeout(r, 300));
      // ...then its stock. With the run holding the stock row, this would deadlock; it must simply succeed.
      await sweep.query(`SET LOCAL lock_timeout = '5s'`);
      await sweep.query('SELECT 1 FROM stock_levels WHERE sku = $1 FOR UPDATE', [sku]);
      await sweep.query('COMMIT');
      expect(await running).toEqual(['handled', 'duplicate']);
    } finally {
      sweep.release();
      await other.end();
    }
    const { rows } = await pool.query('SELECT available, reserved FROM stock_levels WHERE sku = $1', [sku]);
    expect(rows[0]).toEqual({ available: 5, reserved: 0 });
    // Statistics reach pg_stat_database shortly after the transaction; a deadlock (and its replay) would count.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await deadlocks()).toBe(deadlocksBefore);
  });
});
