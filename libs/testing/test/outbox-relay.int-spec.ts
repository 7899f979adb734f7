import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { appendToOutbox, MessagePublisher, OutboundMessage, OutboxRelay } from '@ordermesh/platform';
import { Pool } from 'pg';
import { createTestDatabase, eventually, TestDatabase } from '../src';

/** Records what it was asked to publish; resolves at once, as a broker's acknowledgement would. */
class RecordingPublisher implements MessagePublisher {
  readonly sent: OutboundMessage[] = [];
  async publish(messages: OutboundMessage[]): Promise<void> {
    this.sent.push(...messages);
  }
}

/**
 * The outbox relay against real PostgreSQL: wakes on NOTIFY rather than its poll, publishes every row exactly once in
 * commit order per aggregate, and with several instances on one database exactly one publishes while the others
 * stand by and take over when it goes.
 */
describe('outbox relay (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('order');
    pool = new Pool({ connectionString: db.url, max: 8 });
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await pool.query('DELETE FROM outbox');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  function relay(publisher: MessagePublisher, pollIntervalMs = 60_000): OutboxRelay {
    const r = new OutboxRelay(publisher, {
      databaseUrl: db.url,
      batchSize: 50,
      pollIntervalMs,
      retentionMs: 3_600_000,
      cleanupIntervalMs: 60_000,
      lockKey: 424_242,
    });
    relays.push(r);
    r.start();
    return r;
  }

  /** Commits `count` events for one order, one transaction each (as successive saga steps would). */
  async function commitEvents(orderId: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const envelope = fixtureEnvelope('OrderFulfillmentRequested', {
        eventId: randomUUID(),
        aggregateId: orderId,
        payload: { orderId },
      });
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await appendToOutbox(client, 'order', [envelope]);
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      ids.push(envelope.eventId);
    }
    return ids;
  }

  const eventIdOf = (m: OutboundMessage) => (JSON.parse(m.value) as { eventId: string }).eventId;

  it('wakes on NOTIFY when idle: a row committed to an idle relay is published long before the poll', async () => {
    const publisher = new RecordingPublisher();
    const r = relay(publisher, 60_000);
    await eventually(async () => (r.isLeader ? true : undefined), 5_000, 'leadership');
    // Let it find the outbox empty and go to sleep on LISTEN.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const [id] = await commitEvents(randomUUID(), 1);
    await eventually(async () => (publisher.sent.some((m) => eventIdOf(m) === id) ? true : undefined), 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const { rows } = await pool.query('SELECT published_at FROM outbox WHERE event_id = $1', [id]);
    expect(rows[0].published_at).not.toBeNull();
  });

  it('with three instances on one database: one publishes, each row once, in commit order per aggregate; a standby takes over', async () => {
    const publishers = [new RecordingPublisher(), new RecordingPublisher(), new RecordingPublisher()];
    const instances = publishers.map((p) => relay(p, 100));
    await eventually(
      async () => (instances.filter((r) => r.isLeader).length === 1 ? true : undefined),
      5_000,
      'one leader',
    );
    const orders = [randomUUID(), randomUUID(), randomUUID()];
    const committed = await Promise.all(orders.map((o) => commitEvents(o, 40)));
    const all = () => publishers.flatMap((p) => p.sent);
    await eventually(async () => (all().length >= 120 ? true : undefined), 20_000, '120 publications');

    expect(publishers.filter((p) => p.sent.length > 0)).toHaveLength(1);
    const ids = all().map(eventIdOf);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, orderId] of orders.entries()) {
      const ofOrder = all()
        .filter((m) => m.key === orderId)
        .map(eventIdOf);
      expect(ofOrder).toEqual(committed[i]);
    }

    // The leader goes away; a standby takes the lease and publishes what comes next.
    const leader = instances.find((r) => r.isLeader)!;
    await leader.stop();
    const [later] = await commitEvents(orders[0]!, 1);
    await eventually(
      async () => (all().some((m) => eventIdOf(m) === later) ? true : undefined),
      10_000,
      'a standby to publish',
    );
    expect(instances.filter((r) => r !== leader && r.isLeader)).toHaveLength(1);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
    expect(rows[0].n).toBe(0);
  });
});
