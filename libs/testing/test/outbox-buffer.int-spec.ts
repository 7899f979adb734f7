import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { appendToOutbox, withBufferedOutbox } from '@ordermesh/platform';
import { Pool, PoolClient } from 'pg';
import { createTestDatabase, TestDatabase } from '../src';

/** Inside a consumed run, outbox appends are buffered and written with one statement before the run commits. */
describe('buffered outbox of a consumed run (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let tx: PoolClient;

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

  const event = (orderId: string) =>
    fixtureEnvelope('StockReleased', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId } as never,
    });

  async function rows(orderIds: string[]) {
    const { rows } = await tx.query<{ event_id: string; aggregate_type: string }>(
      'SELECT event_id, aggregate_type FROM outbox WHERE aggregate_id = ANY($1::text[]) ORDER BY id',
      [orderIds],
    );
    return rows;
  }

  it('writes every append of the run at its end, in append order, with each append’s aggregate type', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const [a1, b1, a2] = [event(a), event(b), event(a)];
    const seenInside = await withBufferedOutbox(tx, async () => {
      await appendToOutbox(tx, 'reservation', [a1]);
      await appendToOutbox(tx, 'product', [b1]);
      await appendToOutbox(tx, 'reservation', [a2]);
      return (await rows([a, b])).length;
    });
    expect(seenInside).toBe(0);
    expect(await rows([a, b])).toEqual([
      { event_id: a1.eventId, aggregate_type: 'reservation' },
      { event_id: b1.eventId, aggregate_type: 'product' },
      { event_id: a2.eventId, aggregate_type: 'reservation' },
    ]);
  });

  it('writes nothing when the run throws, and appends on the same connection afterwards go straight in', async () => {
    const orderId = randomUUID();
    await expect(
      withBufferedOutbox(tx, async () => {
        await appendToOutbox(tx, 'reservation', [event(orderId)]);
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect(await rows([orderId])).toEqual([]);
    const later = event(orderId);
    await appendToOutbox(tx, 'reservation', [later]);
    expect((await rows([orderId])).map((r) => r.event_id)).toEqual([later.eventId]);
  });
});
