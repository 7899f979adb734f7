import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import {
  EventPublisher,
  inUnitOfWork,
  Queryable,
  TransactionalUnits,
  UnitOfWorkStore,
} from '@ordermesh/platform';
import { Pool, PoolClient } from 'pg';
import { createTestDatabase, TestDatabase } from '../src';

/**
 * The platform's unit of work against real PostgreSQL: what a unit publishes is written once, after the store's own
 * writes, in publish order, with cause and correlation; nothing at all when the work throws.
 */
describe('unit of work (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let tx: PoolClient;
  const producer = { service: 'inventory' as const, aggregateType: 'reservation' };

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    pool = new Pool({ connectionString: db.url, max: 2 });
    tx = await pool.connect();
  });
  afterAll(async () => {
    tx?.release();
    await pool?.end();
    await db?.drop();
  });

  /** A store with no state of its own: it records when it opened and flushed, and how many outbox rows existed then. */
  function recordingStore(log: string[], orderIds: string[]): UnitOfWorkStore<EventPublisher, string> {
    return {
      open: async (_tx: Queryable, claims, events) => {
        log.push(`open ${claims.length}`);
        return events;
      },
      flush: async (t: Queryable) => {
        log.push(`flush (outbox rows so far: ${(await rows(orderIds, t)).length})`);
      },
    };
  }

  async function rows(orderIds: string[], on: Queryable = tx) {
    const { rows } = await on.query<{
      event_id: string;
      event_type: string;
      aggregate_type: string;
      headers: { causationId: string | null; correlationId: string };
    }>(
      'SELECT event_id, event_type, aggregate_type, headers FROM outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY id',
      [orderIds],
    );
    return rows;
  }

  const released = (orderId: string) =>
    ({
      type: 'StockReleased',
      aggregateId: orderId,
      payload: { orderId, reservationId: randomUUID(), reason: 'ORDER_CANCELLED' },
    }) as const;

  it('writes the published events after the store flushed, in publish order, caused by the event', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const cause = fixtureEnvelope('OrderCancelled', { eventId: randomUUID(), aggregateId: a });
    const log: string[] = [];
    await tx.query('BEGIN');
    const published = await inUnitOfWork(tx, recordingStore(log, [a, b]), producer, [a, b], async (work) => [
      ...work.publish(cause, [released(a)]),
      ...work.publish(cause, [released(b), released(a)]),
    ]);
    await tx.query('COMMIT');
    expect(log).toEqual(['open 2', 'flush (outbox rows so far: 0)']);
    const written = await rows([a, b]);
    expect(written.map((r) => r.event_id)).toEqual(published.map((e) => e.eventId));
    for (const r of written) {
      expect(r).toMatchObject({ event_type: 'StockReleased', aggregate_type: 'reservation' });
      expect(r.headers).toMatchObject({ causationId: cause.eventId, correlationId: cause.correlationId });
    }
  });

  it('writes nothing when the work throws; a command unit commits on its own transaction', async () => {
    const orderId = randomUUID();
    const units = new TransactionalUnits(pool, recordingStore([], [orderId]), producer);
    await expect(
      units.run([orderId], async (work) => {
        work.publish({ correlationId: randomUUID(), causationId: null }, [released(orderId)]);
        throw new Error('rule refused');
      }),
    ).rejects.toThrow('rule refused');
    expect(await rows([orderId])).toEqual([]);
    const correlationId = randomUUID();
    await units.run([orderId], async (work) =>
      work.publish({ correlationId, causationId: null }, [released(orderId)]),
    );
    const written = await rows([orderId]);
    expect(written).toHaveLength(1);
    expect(written[0]!.headers).toMatchObject({ causationId: null, correlationId });
  });

  it('refuses an event that breaks its contract before anything is written', async () => {
    const orderId = randomUUID();
    const units = new TransactionalUnits(pool, recordingStore([], [orderId]), producer);
    await expect(
      units.run([orderId], async (work) =>
        work.publish({ correlationId: randomUUID(), causationId: null }, [
          { type: 'StockReleased', aggregateId: orderId, payload: { orderId } as never },
        ]),
      ),
    ).rejects.toMatchObject({ code: 'CONTRACT.PRODUCER_BREACH' });
    expect(await rows([orderId])).toEqual([]);
  });
});
