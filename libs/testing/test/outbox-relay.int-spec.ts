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
    // Marked by the relay's next batch query, right after the acknowledgement.
    await eventually(async () => {
      const { rows } = await pool.query('SELECT published_at FROM outbox WHERE event_id = $1', [id]);
      return rows[0].published_at ? true : undefined;
    }, 5_000);
  });

  it('misses no row whose writer straddles its switch to idle: a re-check finds it long before the poll', async () => {
    // The first batch's publish is held, so the relay is busy (not listening) while the writer inserts: the writer
    // reads the flag down and will not NOTIFY. Its commit then comes after the relay went looking for work.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const publisher = new RecordingPublisher();
    let first = true;
    const r = relay({
      publish: async (messages) => {
        if (first) {
          first = false;
          await held;
        }
        await publisher.publish(messages);
      },
    });
    await eventually(async () => (r.isLeader ? true : undefined), 5_000, 'leadership');
    await new Promise((resolve) => setTimeout(resolve, 300)); // idle on LISTEN
    const [a] = await commitEvents(randomUUID(), 1);
    await eventually(async () => (!first ? true : undefined), 5_000, 'the relay to be publishing');

    const writer = await pool.connect();
    try {
      const b = fixtureEnvelope('OrderFulfillmentRequested', {
        eventId: randomUUID(),
        aggregateId: randomUUID(),
        payload: { orderId: randomUUID() },
      });
      await writer.query('BEGIN');
      await appendToOutbox(writer, 'order', [b]);
      release();
      await eventually(
        async () => (publisher.sent.some((m) => eventIdOf(m) === a) ? true : undefined),
        5_000,
      );
      // The relay now finds the outbox empty and goes idle (it polls only every 60 s) while the writer, which read
      // the flag down and will not NOTIFY, is still open.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.query('COMMIT');
      await eventually(
        async () => (publisher.sent.some((m) => eventIdOf(m) === b.eventId) ? true : undefined),
        5_000,
        'the straddling row to be published without a poll',
      );
    } finally {
      writer.release();
    }
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
    await eventually(async () => {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL');
      return rows[0].n === 0 ? true : undefined;
    }, 5_000);
  });
});
