import { randomUUID } from 'node:crypto';
import { buildEnvelope, PreparedStatementClient } from '@ordermesh/platform';
import { createTestDatabase, TestDatabase } from '@ordermesh/testing';
import { Pool } from 'pg';
import { PlaceOrderHandler } from '../src/application/place-order/place-order.handler';
import { Order } from '../src/domain/order.aggregate';
import { IdempotencyKeyReusedError } from '../src/domain/order.errors';
import { SqlOrderPlacements } from '../src/infrastructure/sql/order-placements';
import { SqlOrderQueries } from '../src/infrastructure/sql/order-queries';

/**
 * Concurrent placements share one statement and one commit (WriteCoalescer). These tests hold a batch to what one
 * statement per order writes: every order with its lines, its OrderPlaced history line and outbox row; keys
 * repeated inside a batch resolve like keys racing across statements; one failing order fails alone.
 */
describe('placing orders in batches (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const clock = { now: () => new Date() };
  const ids = { next: () => randomUUID() };

  beforeAll(async () => {
    db = await createTestDatabase('order');
    pool = new Pool({ connectionString: db.url, max: 4, Client: PreparedStatementClient });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** One statement in flight: everything submitted while it runs travels in the next batch. */
  const batchingRepo = () => new SqlOrderPlacements(pool, { maxBatch: 50, maxInFlight: 1 });
  const command = (customerId = randomUUID(), idempotencyKey: string | null = null) => ({
    customerId,
    lines: [
      { sku: 'SKU-A', quantity: 2 },
      { sku: 'SKU-B', quantity: 1 },
    ],
    idempotencyKey,
    correlationId: randomUUID(),
  });

  it('writes every order of a batch as one statement per order would', async () => {
    const repo = batchingRepo();
    const handler = new PlaceOrderHandler(repo, new SqlOrderQueries(pool), clock, ids);
    const commands = Array.from({ length: 30 }, (_, i) =>
      command(randomUUID(), i % 3 ? null : `k-${randomUUID()}`),
    );
    const results = await Promise.all(commands.map((c) => handler.execute(c)));

    const stats = repo.placementStats();
    expect(stats.items).toBe(30);
    expect(stats.batches).toBeLessThan(30); // the first went alone, the rest waited for it and shared statements
    expect(stats.isolations).toBe(0);
    expect(results.every((r) => r.created)).toBe(true);

    const orderIds = results.map((r) => r.order.id);
    const { rows } = await pool.query(
      `SELECT o.id, o.customer_id, o.status, o.idempotency_key, o.correlation_id, o.created_at,
              (SELECT json_agg(json_build_object('n', l.line_no, 'sku', l.sku, 'q', l.quantity) ORDER BY l.line_no)
                 FROM order_lines l WHERE l.order_id = o.id) AS lines,
              (SELECT json_agg(h.event_type) FROM order_history h WHERE h.order_id = o.id) AS history,
              (SELECT json_agg(json_build_object('type', b.event_type, 'payload', b.payload, 'correlationId', b.headers->>'correlationId'))
                 FROM outbox b WHERE b.aggregate_id = o.id::text) AS outbox
         FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [orderIds],
    );
    expect(rows).toHaveLength(30);
    const byId = new Map(rows.map((r) => [r.id, r]));
    commands.forEach((c, i) => {
      const row = byId.get(orderIds[i]);
      expect(row).toMatchObject({
        customer_id: c.customerId,
        status: 'PENDING',
        idempotency_key: c.idempotencyKey,
        correlation_id: c.correlationId,
        lines: [
          { n: 1, sku: 'SKU-A', q: 2 },
          { n: 2, sku: 'SKU-B', q: 1 },
        ],
        history: ['OrderPlaced'],
        outbox: [
          {
            type: 'OrderPlaced',
            correlationId: c.correlationId,
            payload: { orderId: orderIds[i], customerId: c.customerId, lines: c.lines },
          },
        ],
      });
      expect(new Date(row.created_at).toISOString()).toBe(results[i]!.order.createdAt.toISOString());
    });
  });

  it('resolves a key repeated inside one batch to one order, and refuses it with another body', async () => {
    const repo = batchingRepo();
    const handler = new PlaceOrderHandler(repo, new SqlOrderQueries(pool), clock, ids);
    const key = `dup-${randomUUID()}`;
    const same = command(randomUUID(), key);
    const outcomes = await Promise.all([
      handler.execute(command()), // takes the only slot, so the next five share one batch
      ...Array.from({ length: 4 }, () => handler.execute({ ...same, correlationId: randomUUID() })),
      handler.execute(command(randomUUID(), key)).catch((e: unknown) => e),
    ]);
    const placed = outcomes.slice(1, 5) as { order: { id: string }; created: boolean }[];
    expect(new Set(placed.map((p) => p.order.id)).size).toBe(1);
    expect(placed.filter((p) => p.created)).toHaveLength(1);
    expect(outcomes[5]).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(repo.placementStats()).toEqual({ batches: 2, items: 6, isolations: 0 });
    const { rows } = await pool.query(
      `SELECT (SELECT count(*)::int FROM orders WHERE idempotency_key = $1) AS orders,
              (SELECT count(*)::int FROM outbox WHERE aggregate_id = $2) AS outbox,
              (SELECT count(*)::int FROM order_lines WHERE order_id = $2::uuid) AS lines`,
      [key, placed[0]!.order.id],
    );
    expect(rows[0]).toEqual({ orders: 1, outbox: 1, lines: 2 });
  });

  it('fails only the order whose write fails; the others of its batch are placed', async () => {
    const repo = batchingRepo();
    const make = () => {
      const now = new Date();
      const order = Order.place({
        id: randomUUID(),
        customerId: randomUUID(),
        lines: [{ sku: 'SKU-A', quantity: 1 }],
        now,
        correlationId: randomUUID(),
      });
      const [placed] = order.pullEvents();
      if (placed?.type !== 'OrderPlaced') throw new Error('expected OrderPlaced');
      const envelope = buildEnvelope(
        'order',
        'OrderPlaced',
        order.id,
        placed.payload,
        { correlationId: randomUUID(), causationId: null },
        now,
      );
      return { order, envelope };
    };
    const first = make();
    await repo.place(first.order, first.envelope, null);
    // An outbox event id already taken breaks the unique index: that statement, and so that batch, fails.
    const blocker = make();
    const others = [make(), make(), make()];
    const slot = make();
    const slotDone = repo.place(slot.order, slot.envelope, null); // takes the slot: the next four share a batch
    const outcomes = await Promise.all([
      repo.place(others[0]!.order, others[0]!.envelope, null),
      repo
        .place(blocker.order, { ...blocker.envelope, eventId: first.envelope.eventId }, null)
        .catch((e) => e),
      repo.place(others[1]!.order, others[1]!.envelope, null),
      repo.place(others[2]!.order, others[2]!.envelope, null),
    ]);
    await slotDone;
    expect(outcomes[0]).toEqual({ inserted: true });
    expect((outcomes[1] as { code?: string }).code).toBe('23505');
    expect(outcomes.slice(2)).toEqual([{ inserted: true }, { inserted: true }]);
    expect(repo.placementStats().isolations).toBe(1);
    const { rows } = await pool.query('SELECT id FROM orders WHERE id = ANY($1::uuid[])', [
      [blocker, ...others].map((p) => p.order.id),
    ]);
    expect(rows.map((r) => r.id).sort()).toEqual(others.map((p) => p.order.id).sort());
  });
});
