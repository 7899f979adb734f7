import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { appendToOutbox, PreparedStatementClient, StatementNames } from '@ordermesh/platform';
import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../src';

/** The services' pool client: parameterised SQL runs as named prepared statements, anything else as before. */
describe('prepared statements (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    db = await createTestDatabase('order');
    // One connection, so every query below shares the session whose prepared statements are inspected.
    pool = new Pool({ connectionString: db.url, max: 1, Client: PreparedStatementClient });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  async function prepared(): Promise<{ name: string; statement: string }[]> {
    const { rows } = await pool.query<{ name: string; statement: string }>(
      'SELECT name, statement FROM pg_prepared_statements ORDER BY name',
    );
    return rows;
  }

  it('prepares a parameterised query once per connection and returns its results', async () => {
    const text = 'SELECT $1::int + $2::int AS sum';
    expect((await pool.query(text, [1, 2])).rows).toEqual([{ sum: 3 }]);
    expect((await pool.query(text, [40, 2])).rows).toEqual([{ sum: 42 }]);
    const mine = (await prepared()).filter((p) => p.statement === text);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.name).toMatch(/^om_[0-9a-f]{24}$/);
  });

  it('leaves queries without parameters and config-object queries (Prisma adapter) unprepared', async () => {
    const before = (await prepared()).length;
    await pool.query('SELECT 1 AS one');
    await pool.query({ text: 'SELECT $1::text AS t', values: ['x'] });
    await pool.query('SELECT 2 AS two', []);
    expect((await prepared()).length).toBe(before);
  });

  it('supports the callback form', async () => {
    const client = await pool.connect();
    try {
      const sum = await new Promise<number>((resolve, reject) =>
        client.query('SELECT $1::int * 2 AS n', [21], (err, res) =>
          err ? reject(err) : resolve(res.rows[0].n),
        ),
      );
      expect(sum).toBe(42);
    } finally {
      client.release();
    }
  });

  it('inserts any number of outbox rows with one statement text, in the order given', async () => {
    const orderId = randomUUID();
    const batch = (n: number) =>
      Array.from({ length: n }, () =>
        fixtureEnvelope('OrderFulfillmentRequested', {
          eventId: randomUUID(),
          aggregateId: orderId,
          payload: { orderId },
        }),
      );
    const one = batch(1);
    const three = batch(3);
    await appendToOutbox(pool, 'order', one);
    await appendToOutbox(pool, 'order', three);
    const outboxStatements = (await prepared()).filter((p) => p.statement.includes('INSERT INTO outbox'));
    expect(outboxStatements).toHaveLength(1);
    const { rows } = await pool.query<{ event_id: string; headers: { correlationId: string } }>(
      'SELECT event_id, headers FROM outbox WHERE aggregate_id = $1 ORDER BY id',
      [orderId],
    );
    expect(rows.map((r) => r.event_id)).toEqual([...one, ...three].map((e) => e.eventId));
    expect(rows[0]!.headers.correlationId).toBe(one[0]!.correlationId);
  });

  it('stops naming new texts at the cap, keeping the names it gave', () => {
    const names = new StatementNames(2);
    const a = names.nameFor('SELECT $1');
    const b = names.nameFor('SELECT $1, $2');
    expect(a).not.toBe(b);
    expect(names.nameFor('SELECT $1, $2, $3')).toBeNull();
    expect(names.nameFor('SELECT $1')).toBe(a);
    // Same text, same name in any process: a digest, not a counter.
    expect(new StatementNames().nameFor('SELECT $1')).toBe(a);
  });
});
