import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import {
  appendToOutbox,
  planGeneration,
  PreparedStatementClient,
  REPLAN_FIRST_AFTER,
  StatementNames,
} from '@ordermesh/platform';
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

  it('prepares a statement again after REPLAN_FIRST_AFTER uses and after each doubling, freeing the one it replaces', async () => {
    expect([0, REPLAN_FIRST_AFTER - 1].map(planGeneration)).toEqual([0, 0]);
    expect(
      [REPLAN_FIRST_AFTER, 2 * REPLAN_FIRST_AFTER - 1, 2 * REPLAN_FIRST_AFTER, 4 * REPLAN_FIRST_AFTER].map(
        planGeneration,
      ),
    ).toEqual([1, 1, 2, 3]);

    const text = 'SELECT $1::int - 1 AS n';
    const mine = async () => (await prepared()).filter((p) => p.statement === text).map((p) => p.name);
    for (let i = 0; i < REPLAN_FIRST_AFTER; i++) await pool.query(text, [i]);
    const [first] = await mine();
    expect(first).toMatch(/^om_[0-9a-f]{24}$/);
    expect((await pool.query(text, [1])).rows).toEqual([{ n: 0 }]); // use REPLAN_FIRST_AFTER + 1: a new preparation
    const second = await mine();
    expect(second).toEqual([`${first}_1`]);
    for (let i = REPLAN_FIRST_AFTER + 1; i < 2 * REPLAN_FIRST_AFTER + 1; i++) await pool.query(text, [i]);
    expect(await mine()).toEqual([`${first}_2`]);
  });

  it('a plan made while a table was small does not outlive it: the re-preparation probes the index', async () => {
    // Statistics of the small table (as autovacuum gathers them early on), then growth with no ANALYZE: a later
    // ANALYZE would invalidate the plan by itself, the point is what happens until then.
    await pool.query(
      'CREATE TABLE plan_probe (id uuid PRIMARY KEY, pad text) WITH (autovacuum_enabled = false)',
    );
    await pool.query(
      "INSERT INTO plan_probe SELECT gen_random_uuid(), repeat('x', 40) FROM generate_series(1, 20)",
    );
    await pool.query('ANALYZE plan_probe');
    const text = 'SELECT id FROM plan_probe WHERE id = ANY($1::uuid[])';
    const ids = [randomUUID(), randomUUID()];
    const planOf = async (name: string) =>
      (await pool.query(`EXPLAIN EXECUTE ${name}('{${ids.join(',')}}')`)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    const nameOf = async () => (await prepared()).find((p) => p.statement === text)!.name;

    for (let i = 0; i < 10; i++) await pool.query(text, [ids]); // past the custom plans: the generic plan is cached
    expect(await planOf(await nameOf())).toMatch(/Seq Scan on plan_probe/);

    await pool.query(
      "INSERT INTO plan_probe SELECT gen_random_uuid(), repeat('x', 40) FROM generate_series(1, 100000)",
    );
    const stale = await nameOf();
    expect(await planOf(stale)).toMatch(/Seq Scan on plan_probe/); // what kept scanning the runs' tables
    for (let i = 10; i < REPLAN_FIRST_AFTER + 10; i++) await pool.query(text, [ids]);
    const fresh = await nameOf();
    expect(fresh).not.toBe(stale);
    // An index scan or a bitmap scan of the primary key, depending on the cost estimates; no longer a full scan.
    const plan = await planOf(fresh);
    expect(plan).toMatch(/plan_probe_pkey/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it('a re-preparation inside a transaction leaves the transaction intact', async () => {
    const text = 'SELECT $1::int AS v';
    const client = await pool.connect();
    try {
      for (let i = 0; i < REPLAN_FIRST_AFTER - 1; i++) await client.query(text, [i]);
      await client.query('BEGIN');
      await client.query('CREATE TEMP TABLE replan_probe (v int) ON COMMIT DROP');
      await client.query(text, [1]);
      await client.query(text, [2]); // the REPLAN_FIRST_AFTER + 1-th use: DEALLOCATE + a new preparation
      await client.query('INSERT INTO replan_probe VALUES ($1)', [7]);
      expect((await client.query('SELECT v FROM replan_probe')).rows).toEqual([{ v: 7 }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
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
