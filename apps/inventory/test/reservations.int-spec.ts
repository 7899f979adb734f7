import { randomBytes, randomUUID } from 'node:crypto';
import { EnvelopeOf, EVENTS, EventType, fixtureEnvelope, PayloadOf } from '@ordermesh/contracts';
import { TransactionalUnits } from '@ordermesh/platform';
import { createTestDatabase, reactAlone, TestDatabase } from '@ordermesh/testing';
import { Pool } from 'pg';
import { CommitStockWhenFulfillmentRequested } from '../src/application/commit-stock-when-fulfillment-requested/commit-stock-when-fulfillment-requested.handler';
import { ConfirmReservationWhenPaymentAuthorized } from '../src/application/confirm-reservation-when-payment-authorized/confirm-reservation-when-payment-authorized.handler';
import { ExpireReservations } from '../src/application/expire-reservations/expire-reservations.handler';
import { ReleaseStockWhenOrderCancelled } from '../src/application/release-stock-when-order-cancelled/release-stock-when-order-cancelled.handler';
import { ReserveStockWhenOrderPlaced } from '../src/application/reserve-stock-when-order-placed/reserve-stock-when-order-placed.handler';
import { InventoryClaim, InventoryUnitOfWork } from '../src/application/ports/inventory-unit-of-work.port';
import { SqlInventoryUnitOfWork } from '../src/infrastructure/sql/inventory-unit-of-work';
import { ExpirySweep } from '../src/interface/scheduling/expiry-sweep';

interface OutboxRow {
  event_id: string;
  event_type: string;
  aggregate_id: string;
  topic: string;
  payload: Record<string, unknown>;
  headers: { correlationId: string; causationId: string | null; producer: string };
}
interface Stock {
  available: number;
  reserved: number;
  committed: number;
}

const TTL_MS = 15 * 60 * 1000;

describe('inventory reservations saga steps (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const clock = { now: () => new Date() };
  let units: TransactionalUnits<InventoryUnitOfWork, InventoryClaim>;
  const reserve = new ReserveStockWhenOrderPlaced(clock, { next: () => randomUUID() }, { ttlMs: TTL_MS });
  const confirm = new ConfirmReservationWhenPaymentAuthorized();
  const release = new ReleaseStockWhenOrderCancelled();
  const commit = new CommitStockWhenFulfillmentRequested();
  let expire: ExpireReservations;
  /** Every product this suite created, with its initial stock: units may move between buckets, never vanish. */
  const initialStock = new Map<string, number>();

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    pool = new Pool({ connectionString: db.url, max: 12 });
    units = new TransactionalUnits(pool, new SqlInventoryUnitOfWork(), {
      service: 'inventory',
      aggregateType: 'reservation',
    });
    expire = new ExpireReservations(units, clock);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  // --- builders and probes -------------------------------------------------------------------------------

  const newSku = (label = 'SKU') => `${label}-${randomBytes(4).toString('hex').toUpperCase()}`;

  async function product(stock: number, unitPrice = 1299, currency = 'EUR', sku = newSku()): Promise<string> {
    await pool.query(
      `WITH p AS (INSERT INTO products (sku, name, unit_price_amount, currency) VALUES ($1, $1, $2, $3))
       INSERT INTO stock_levels (sku, available) VALUES ($1, $4)`,
      [sku, unitPrice, currency, stock],
    );
    initialStock.set(sku, stock);
    return sku;
  }

  const correlationOf = (orderId: string) => `corr-${orderId}`;

  function event<T extends EventType>(type: T, orderId: string, payload: PayloadOf<T>): EnvelopeOf<T> {
    return fixtureEnvelope(type, {
      payload,
      aggregateId: orderId,
      correlationId: correlationOf(orderId),
    } as Partial<EnvelopeOf<T>>);
  }
  const orderPlaced = (
    orderId: string,
    lines: { sku: string; quantity: number }[],
    customerId = randomUUID(),
  ) => event('OrderPlaced', orderId, { orderId, customerId, lines });
  const paymentAuthorized = (orderId: string, paymentId = randomUUID()) =>
    event('PaymentAuthorized', orderId, { orderId, paymentId, amount: { amount: 1, currency: 'EUR' } });
  const orderCancelled = (orderId: string) =>
    event('OrderCancelled', orderId, { orderId, reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED' });
  const fulfillmentRequested = (orderId: string) => event('OrderFulfillmentRequested', orderId, { orderId });

  /** One reaction to one event, as its own unit of work (a run of one). */
  const react = <E>(
    reaction: {
      claims(event: E): InventoryClaim;
      react(event: E, work: InventoryUnitOfWork): Promise<unknown>;
    },
    event: E,
  ) => reactAlone(units, reaction, event);
  const placeOrder = (orderId: string, lines: { sku: string; quantity: number }[]) =>
    react(reserve, orderPlaced(orderId, lines));
  const sweep = (batchSize?: number) => expire.execute(batchSize);

  async function stockOf(sku: string): Promise<Stock> {
    const { rows } = await pool.query<Stock>(
      'SELECT available, reserved, committed FROM stock_levels WHERE sku = $1',
      [sku],
    );
    return rows[0]!;
  }
  async function outbox(orderId: string): Promise<OutboxRow[]> {
    const { rows } = await pool.query<OutboxRow>(
      'SELECT event_id, event_type, aggregate_id, topic, payload, headers FROM outbox WHERE aggregate_id = $1 ORDER BY id',
      [orderId],
    );
    return rows;
  }
  const eventTypes = async (orderId: string) => (await outbox(orderId)).map((r) => r.event_type);
  async function reservationOf(orderId: string) {
    const { rows } = await pool.query<{
      id: string;
      status: string;
      customer_id: string;
      payment_id: string | null;
      total_amount: string;
      currency: string;
      expires_at: Date;
      correlation_id: string;
    }>(
      'SELECT id, status, customer_id, payment_id, total_amount, currency, expires_at, correlation_id FROM reservations WHERE order_id = $1',
      [orderId],
    );
    return rows[0];
  }
  const expireNow = (orderIds: string[]) =>
    pool.query(
      `UPDATE reservations SET expires_at = now() - interval '1 second' WHERE order_id = ANY($1::uuid[])`,
      [orderIds],
    );

  // --- step 2: reserve ----------------------------------------------------------------------------------

  it('reserves every line, priced from the catalogue, and emits StockReserved in the same transaction', async () => {
    const mug = await product(10, 1299);
    const cup = await product(5, 450);
    const orderId = randomUUID();
    const customerId = randomUUID();
    const placed = orderPlaced(
      orderId,
      [
        { sku: mug, quantity: 2 },
        { sku: cup, quantity: 5 },
      ],
      customerId,
    );
    const before = Date.now();

    expect(await react(reserve, placed)).toBe('reserved');

    expect(await stockOf(mug)).toEqual({ available: 8, reserved: 2, committed: 0 });
    expect(await stockOf(cup)).toEqual({ available: 0, reserved: 5, committed: 0 });
    const reservation = (await reservationOf(orderId))!;
    expect(reservation).toMatchObject({
      status: 'HELD',
      customer_id: customerId,
      payment_id: null,
      total_amount: String(2 * 1299 + 5 * 450),
      currency: 'EUR',
      correlation_id: correlationOf(orderId),
    });
    expect(reservation.expires_at.getTime()).toBeGreaterThanOrEqual(before + TTL_MS - 1000);
    expect(reservation.expires_at.getTime()).toBeLessThanOrEqual(Date.now() + TTL_MS);
    const { rows: lines } = await pool.query(
      'SELECT sku, quantity, unit_price_amount::int AS price, currency FROM reservation_lines WHERE reservation_id = $1 ORDER BY sku',
      [reservation.id],
    );
    expect(lines).toEqual(
      [
        { sku: mug, quantity: 2, price: 1299, currency: 'EUR' },
        { sku: cup, quantity: 5, price: 450, currency: 'EUR' },
      ].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
    );

    const [row, ...rest] = await outbox(orderId);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      event_type: 'StockReserved',
      aggregate_id: orderId,
      topic: 'inventory.events',
    });
    expect(row!.headers).toMatchObject({
      producer: 'inventory',
      correlationId: correlationOf(orderId),
      causationId: placed.eventId,
    });
    expect(EVENTS.StockReserved.payload.parse(row!.payload)).toEqual({
      orderId,
      customerId,
      reservationId: reservation.id,
      lines: expect.arrayContaining([
        { sku: mug, quantity: 2, unitPrice: { amount: 1299, currency: 'EUR' } },
        { sku: cup, quantity: 5, unitPrice: { amount: 450, currency: 'EUR' } },
      ]),
      total: { amount: 2 * 1299 + 5 * 450, currency: 'EUR' },
      expiresAt: reservation.expires_at.toISOString(),
    });
  });

  it('treats a second OrderPlaced for the same order as already done, even once the stock is gone', async () => {
    const sku = await product(2);
    const orderId = randomUUID();
    expect(await placeOrder(orderId, [{ sku, quantity: 2 }])).toBe('reserved');
    // Another delivery (different event id) of the same order: enough stock would now be missing.
    expect(await placeOrder(orderId, [{ sku, quantity: 2 }])).toBe('already-reserved');
    await pool.query('UPDATE stock_levels SET available = available + 5 WHERE sku = $1', [sku]);
    initialStock.set(sku, initialStock.get(sku)! + 5);
    expect(await placeOrder(orderId, [{ sku, quantity: 2 }])).toBe('already-reserved');
    expect(await stockOf(sku)).toEqual({ available: 5, reserved: 2, committed: 0 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved']);
  });

  it('does not reserve twice when duplicates of one OrderPlaced arrive concurrently', async () => {
    const sku = await product(10);
    const orderId = randomUUID();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => placeOrder(orderId, [{ sku, quantity: 3 }])),
    );
    expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already-reserved')).toHaveLength(4);
    expect(await stockOf(sku)).toEqual({ available: 7, reserved: 3, committed: 0 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved']);
  });

  it.each([
    ['UNKNOWN_SKU', 'an unknown sku'],
    ['OUT_OF_STOCK', 'a short sku'],
    ['MIXED_CURRENCY', 'lines priced in two currencies'],
  ] as const)('fails with %s for %s: no reservation, no stock moved', async (reason, _description) => {
    const ok = await product(10, 100, 'EUR');
    const other =
      reason === 'UNKNOWN_SKU'
        ? newSku('GHOST')
        : reason === 'OUT_OF_STOCK'
          ? await product(1, 100, 'EUR')
          : await product(10, 100, 'USD');
    const orderId = randomUUID();
    const placed = orderPlaced(orderId, [
      { sku: ok, quantity: 3 },
      { sku: other, quantity: 2 },
    ]);

    expect(await react(reserve, placed)).toBe('failed');

    expect(await reservationOf(orderId)).toBeUndefined();
    expect(await stockOf(ok)).toEqual({ available: 10, reserved: 0, committed: 0 });
    if (reason !== 'UNKNOWN_SKU')
      expect(await stockOf(other)).toEqual({ available: initialStock.get(other), reserved: 0, committed: 0 });
    const rows = await outbox(orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_type: 'StockReservationFailed',
      payload: { orderId, reason, skus: [other] },
    });
    expect(rows[0]!.headers).toMatchObject({
      correlationId: correlationOf(orderId),
      causationId: placed.eventId,
    });
  });

  it('never oversells: 20 concurrent orders for the last 3 units → exactly 3 reserved, 17 OUT_OF_STOCK', async () => {
    const sku = await product(3);
    const orderIds = Array.from({ length: 20 }, () => randomUUID());

    const outcomes = await Promise.all(orderIds.map((id) => placeOrder(id, [{ sku, quantity: 1 }])));

    expect(outcomes.filter((o) => o === 'reserved')).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(17);
    expect(await stockOf(sku)).toEqual({ available: 0, reserved: 3, committed: 0 });
    const { rows } = await pool.query<{ event_type: string; n: number }>(
      'SELECT event_type, count(*)::int AS n FROM outbox WHERE aggregate_id = ANY($1) GROUP BY event_type ORDER BY event_type',
      [orderIds],
    );
    expect(rows).toEqual([
      { event_type: 'StockReservationFailed', n: 17 },
      { event_type: 'StockReserved', n: 3 },
    ]);
    const failed = await pool.query(
      `SELECT DISTINCT payload - 'orderId' AS rest FROM outbox WHERE aggregate_id = ANY($1) AND event_type = 'StockReservationFailed'`,
      [orderIds],
    );
    expect(failed.rows.map((r) => r.rest)).toEqual([{ reason: 'OUT_OF_STOCK', skus: [sku] }]);
    const held = await pool.query(
      'SELECT count(*)::int AS n FROM reservations WHERE order_id = ANY($1) AND status = $2',
      [orderIds, 'HELD'],
    );
    expect(held.rows[0].n).toBe(3);
  });

  it('does not deadlock when concurrent orders lock the same skus listed in opposite orders', async () => {
    const a = await product(50);
    const b = await product(50);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        placeOrder(
          randomUUID(),
          i % 2
            ? [
                { sku: a, quantity: 1 },
                { sku: b, quantity: 1 },
              ]
            : [
                { sku: b, quantity: 1 },
                { sku: a, quantity: 1 },
              ],
        ),
      ),
    );
    expect(outcomes.every((o) => o === 'reserved')).toBe(true);
    expect(await stockOf(a)).toEqual({ available: 30, reserved: 20, committed: 0 });
    expect(await stockOf(b)).toEqual({ available: 30, reserved: 20, committed: 0 });
  });

  // --- step 8: release ----------------------------------------------------------------------------------

  it('a unit of work first locks every stock row and reservation its reactions claim, including the lines of cancelled orders', async () => {
    const [a, b, c, untouched] = [await product(5), await product(5), await product(5), await product(5)];
    const held = randomUUID();
    await placeOrder(held, [{ sku: c, quantity: 1 }]);
    const placedB = orderPlaced(randomUUID(), [{ sku: b, quantity: 1 }]);
    const placedA = orderPlaced(randomUUID(), [{ sku: a, quantity: 1 }]);
    const other = await pool.connect();
    try {
      const claims = [reserve.claims(placedB), reserve.claims(placedA), release.claims(orderCancelled(held))];
      await units.run(claims, async () => {
        // Another transaction finds every row of the run taken (NOWAIT fails), and the rest free.
        for (const sku of [a, b, c]) {
          await expect(
            other.query('SELECT 1 FROM stock_levels WHERE sku = $1 FOR UPDATE NOWAIT', [sku]),
          ).rejects.toMatchObject({ code: '55P03' });
        }
        await expect(
          other.query('SELECT 1 FROM reservations WHERE order_id = $1 FOR UPDATE NOWAIT', [held]),
        ).rejects.toMatchObject({ code: '55P03' });
        await other.query('SELECT 1 FROM stock_levels WHERE sku = $1 FOR UPDATE NOWAIT', [untouched]);
      });
    } finally {
      other.release();
    }
  });

  it('releases a HELD reservation on OrderCancelled, once', async () => {
    const sku = await product(4);
    const orderId = randomUUID();
    await placeOrder(orderId, [{ sku, quantity: 3 }]);
    const cancelled = orderCancelled(orderId);

    expect(await react(release, cancelled)).toBe('released');

    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 0, committed: 0 });
    expect((await reservationOf(orderId))!.status).toBe('RELEASED');
    const rows = await outbox(orderId);
    expect(rows.map((r) => r.event_type)).toEqual(['StockReserved', 'StockReleased']);
    expect(rows[1]).toMatchObject({
      payload: { orderId, reservationId: (await reservationOf(orderId))!.id, reason: 'ORDER_CANCELLED' },
      headers: { correlationId: correlationOf(orderId), causationId: cancelled.eventId },
    });

    expect(await react(release, orderCancelled(orderId))).toBe('ignored');
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 0, committed: 0 });
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'StockReleased']);
  });

  it('releases a CONFIRMED reservation, and does nothing for an order without a reservation', async () => {
    const sku = await product(4);
    const orderId = randomUUID();
    await placeOrder(orderId, [{ sku, quantity: 2 }]);
    await react(confirm, paymentAuthorized(orderId));
    expect(await react(release, orderCancelled(orderId))).toBe('released');
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 0, committed: 0 });

    const nothingHeld = randomUUID();
    expect(await react(release, orderCancelled(nothingHeld))).toBe('no-reservation');
    expect(await outbox(nothingHeld)).toEqual([]);
  });

  // --- step 5: confirm ----------------------------------------------------------------------------------

  it('confirms a HELD reservation on PaymentAuthorized, records the payment and emits ReservationConfirmed once', async () => {
    const sku = await product(4);
    const orderId = randomUUID();
    await placeOrder(orderId, [{ sku, quantity: 1 }]);
    const paymentId = randomUUID();
    const authorized = paymentAuthorized(orderId, paymentId);

    expect(await react(confirm, authorized)).toBe('confirmed');

    const reservation = (await reservationOf(orderId))!;
    expect(reservation).toMatchObject({ status: 'CONFIRMED', payment_id: paymentId });
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 1, committed: 0 });
    const rows = await outbox(orderId);
    expect(rows.map((r) => r.event_type)).toEqual(['StockReserved', 'ReservationConfirmed']);
    expect(rows[1]).toMatchObject({
      payload: { orderId, reservationId: reservation.id, paymentId },
      headers: { correlationId: correlationOf(orderId), causationId: authorized.eventId },
    });

    expect(await react(confirm, paymentAuthorized(orderId, paymentId))).toBe('ignored');
    expect(await eventTypes(orderId)).toEqual(['StockReserved', 'ReservationConfirmed']);
    expect(await react(confirm, paymentAuthorized(randomUUID()))).toBe('no-reservation');
  });

  it('does not confirm a released reservation', async () => {
    const sku = await product(4);
    const orderId = randomUUID();
    await placeOrder(orderId, [{ sku, quantity: 1 }]);
    await react(release, orderCancelled(orderId));
    expect(await react(confirm, paymentAuthorized(orderId))).toBe('ignored');
    expect((await reservationOf(orderId))!).toMatchObject({ status: 'RELEASED', payment_id: null });
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 0, committed: 0 });
  });

  // --- step 11: commit ----------------------------------------------------------------------------------

  it('commits a CONFIRMED reservation on OrderFulfillmentRequested: reserved → committed', async () => {
    const a = await product(5);
    const b = await product(5);
    const orderId = randomUUID();
    await placeOrder(orderId, [
      { sku: a, quantity: 2 },
      { sku: b, quantity: 3 },
    ]);
    expect(await react(commit, fulfillmentRequested(orderId))).toBe('ignored'); // still HELD
    await react(confirm, paymentAuthorized(orderId));
    const requested = fulfillmentRequested(orderId);

    expect(await react(commit, requested)).toBe('committed');

    expect(await stockOf(a)).toEqual({ available: 3, reserved: 0, committed: 2 });
    expect(await stockOf(b)).toEqual({ available: 2, reserved: 0, committed: 3 });
    const reservation = (await reservationOf(orderId))!;
    expect(reservation.status).toBe('COMMITTED');
    const rows = await outbox(orderId);
    expect(rows.map((r) => r.event_type)).toEqual([
      'StockReserved',
      'ReservationConfirmed',
      'StockCommitted',
    ]);
    expect(rows[2]).toMatchObject({
      payload: { orderId, reservationId: reservation.id },
      headers: { causationId: requested.eventId },
    });

    // Redelivery, and a late cancellation, change nothing once committed.
    expect(await react(commit, fulfillmentRequested(orderId))).toBe('ignored');
    expect(await react(release, orderCancelled(orderId))).toBe('ignored');
    expect(await stockOf(a)).toEqual({ available: 3, reserved: 0, committed: 2 });
    expect(await eventTypes(orderId)).toHaveLength(3);
  });

  // --- step 13: expiry ----------------------------------------------------------------------------------

  it('expires a due HELD reservation, frees its stock, emits ReservationExpired; it can no longer be confirmed', async () => {
    const sku = await product(6);
    const due = randomUUID();
    const notDue = randomUUID();
    const confirmedDue = randomUUID();
    await placeOrder(due, [{ sku, quantity: 2 }]);
    await placeOrder(notDue, [{ sku, quantity: 1 }]);
    await placeOrder(confirmedDue, [{ sku, quantity: 1 }]);
    await react(confirm, paymentAuthorized(confirmedDue));
    await expireNow([due, confirmedDue]);

    expect(await sweep()).toEqual({ scanned: 1, expired: 1 });

    expect((await reservationOf(due))!.status).toBe('EXPIRED');
    expect((await reservationOf(notDue))!.status).toBe('HELD');
    expect((await reservationOf(confirmedDue))!.status).toBe('CONFIRMED');
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 2, committed: 0 });
    const rows = await outbox(due);
    expect(rows.map((r) => r.event_type)).toEqual(['StockReserved', 'ReservationExpired']);
    expect(rows[1]).toMatchObject({
      payload: { orderId: due, reservationId: (await reservationOf(due))!.id },
      headers: { producer: 'inventory', correlationId: correlationOf(due), causationId: null },
    });

    // The payment arrives too late: nothing happens (the order is being cancelled; payment voids then).
    expect(await react(confirm, paymentAuthorized(due))).toBe('ignored');
    expect(await react(release, orderCancelled(due))).toBe('ignored');
    expect((await reservationOf(due))!).toMatchObject({ status: 'EXPIRED', payment_id: null });
    expect(await eventTypes(due)).toEqual(['StockReserved', 'ReservationExpired']);
    expect(await stockOf(sku)).toEqual({ available: 4, reserved: 2, committed: 0 });
    expect(await sweep()).toEqual({ scanned: 0, expired: 0 });
  });

  it('expires in batches, one transaction each, and aggregates stock per sku', async () => {
    const sku = await product(30);
    const orderIds = Array.from({ length: 7 }, () => randomUUID());
    for (const id of orderIds) await placeOrder(id, [{ sku, quantity: 2 }]);
    await expireNow(orderIds);
    expect(await sweep(3)).toEqual({ scanned: 3, expired: 3 });
    expect(await stockOf(sku)).toEqual({ available: 22, reserved: 8, committed: 0 });
    expect(await sweep(3)).toEqual({ scanned: 3, expired: 3 });
    expect(await sweep(3)).toEqual({ scanned: 1, expired: 1 });
    expect(await stockOf(sku)).toEqual({ available: 30, reserved: 0, committed: 0 });
  });

  it('runs the sweep on its timer and stops cleanly', async () => {
    const sku = await product(3);
    const orderId = randomUUID();
    await placeOrder(orderId, [{ sku, quantity: 3 }]);
    await expireNow([orderId]);
    const job = new ExpirySweep(expire, { intervalMs: 50, batchSize: 10 });
    job.onApplicationBootstrap();
    try {
      for (let i = 0; i < 100 && (await reservationOf(orderId))!.status !== 'EXPIRED'; i++)
        await new Promise((r) => setTimeout(r, 20));
    } finally {
      await job.onModuleDestroy();
    }
    expect((await reservationOf(orderId))!.status).toBe('EXPIRED');
    expect(await stockOf(sku)).toEqual({ available: 3, reserved: 0, committed: 0 });
  });

  it('confirm racing expiry: for every reservation exactly one of ReservationConfirmed / ReservationExpired', async () => {
    const sku = await product(100);
    const orderIds = Array.from({ length: 20 }, () => randomUUID());
    for (const id of orderIds) await placeOrder(id, [{ sku, quantity: 2 }]);
    await expireNow(orderIds);

    // All confirmations and single-row sweeps at once, interleaved, each in its own transaction.
    await Promise.all(orderIds.flatMap((id) => [react(confirm, paymentAuthorized(id)), sweep(1)]));
    await sweep(); // anything a sweep skipped while a confirmation held it is now CONFIRMED, not due

    const { rows } = await pool.query<{ order_id: string; status: string; events: string[] | null }>(
      `SELECT r.order_id, r.status,
              (SELECT array_agg(o.event_type ORDER BY o.id) FROM outbox o
                WHERE o.aggregate_id = r.order_id::text AND o.event_type IN ('ReservationConfirmed', 'ReservationExpired')) AS events
         FROM reservations r WHERE r.order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    expect(rows).toHaveLength(20);
    for (const r of rows) {
      expect([
        ['CONFIRMED', ['ReservationConfirmed']],
        ['EXPIRED', ['ReservationExpired']],
      ]).toContainEqual([r.status, r.events]);
    }
    const confirmed = rows.filter((r) => r.status === 'CONFIRMED').length;
    expect(await stockOf(sku)).toEqual({
      available: 100 - 2 * confirmed,
      reserved: 2 * confirmed,
      committed: 0,
    });
  });

  // --- invariants over everything above -----------------------------------------------------------------

  it('conserves stock: per sku, available + reserved + committed never changed, and buckets match the reservations', async () => {
    const { rows } = await pool.query<{
      sku: string;
      total: number;
      reserved: number;
      committed: number;
      held: number;
      done: number;
    }>(
      `SELECT s.sku, s.available + s.reserved + s.committed AS total, s.reserved, s.committed,
              COALESCE(sum(l.quantity) FILTER (WHERE r.status IN ('HELD', 'CONFIRMED')), 0)::int AS held,
              COALESCE(sum(l.quantity) FILTER (WHERE r.status = 'COMMITTED'), 0)::int AS done
         FROM stock_levels s
         LEFT JOIN reservation_lines l ON l.sku = s.sku
         LEFT JOIN reservations r ON r.id = l.reservation_id
        GROUP BY s.sku`,
    );
    expect(rows.length).toBe(initialStock.size);
    for (const r of rows) {
      expect({ sku: r.sku, total: r.total, reserved: r.reserved, committed: r.committed }).toEqual({
        sku: r.sku,
        total: initialStock.get(r.sku),
        reserved: r.held,
        committed: r.done,
      });
    }
  });

  it('wrote only events that satisfy their published contracts', async () => {
    const { rows } = await pool.query<OutboxRow>('SELECT event_type, payload, topic FROM outbox');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const contract = EVENTS[r.event_type as EventType];
      expect(contract.topic).toBe(r.topic);
      expect(contract.payload.safeParse(r.payload).success).toBe(true);
    }
  });
});
