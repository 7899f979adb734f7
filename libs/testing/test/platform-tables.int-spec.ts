import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  applyMigrations,
  migrateServiceDatabase,
  readMigrations,
  ServiceMigrationResult,
} from '@ordermesh/platform';
import { createEmptyDatabase, migrationsDir, SERVICES, ServiceName, withClient, workspaceRoot } from '../src';

/**
 * ADR 0013: the platform's tables moved out of the services' migrations. These tests build databases with the
 * services' migrations as they were before the move: `fixtures/service-migrations-before-adr-0013.tar.gz` is
 * `git archive` of prisma/<service>/migrations at 2dee662, the last commit that had them (kept as an archive so a
 * shallow or exported checkout can run the tests too, and so the old copies are history, not source).
 */
const REMOVED = [
  '20261122060000_outbox_notify',
  '20261122070000_outbox_notify_when_idle',
  '20261122140000_outbox_relay_listen',
  '20261122150000_outbox_wakeup_by_recheck',
];

const tempDirs: string[] = [];
let extracted: Promise<string> | null = null;

/** The archive unpacked once per run into a temp dir (its root holds prisma/<service>/migrations/). */
function oldTree(): Promise<string> {
  extracted ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ordermesh-old-migrations-'));
    tempDirs.push(dir);
    const archive = path.join(__dirname, 'fixtures/service-migrations-before-adr-0013.tar.gz');
    execFileSync('tar', ['-xzf', archive, '-C', dir]);
    return dir;
  })();
  return extracted;
}

/** The service's migrations folder before the move, optionally cut after `upTo` (a partly migrated database). */
async function oldMigrationsDir(service: ServiceName, upTo?: string): Promise<string> {
  const from = path.join(await oldTree(), 'prisma', service, 'migrations');
  const dir = await mkdtemp(path.join(os.tmpdir(), `ordermesh-old-${service}-`));
  tempDirs.push(dir);
  const names = (await readdir(from)).filter((n) => /^\d{14}_/.test(n)).filter((n) => !upTo || n <= upTo);
  for (const name of names) {
    await mkdir(path.join(dir, name));
    await copyFile(path.join(from, name, 'migration.sql'), path.join(dir, name, 'migration.sql'));
  }
  return dir;
}

const MIGRATION_TABLES = `('_prisma_migrations', '_platform_migrations')`;

/** Everything a migration can create in `public`, as text, migration bookkeeping left out. */
async function schemaOf(url: string): Promise<Record<string, string[]>> {
  return withClient(url, async (c) => {
    const list = async (sql: string): Promise<string[]> =>
      (await c.query<{ d: string }>(sql)).rows.map((r) => r.d).sort();
    return {
      columns: await list(`SELECT table_name || '.' || column_name || ' ' || data_type || ' ' ||
          coalesce(character_maximum_length::text, '') || coalesce(datetime_precision::text, '') || ' ' ||
          is_nullable || ' ' || coalesce(column_default, '') AS d
        FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name NOT IN ${MIGRATION_TABLES}`),
      constraints:
        await list(`SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
          AND conrelid::regclass::text NOT IN ${MIGRATION_TABLES}`),
      indexes: await list(`SELECT indexdef AS d FROM pg_indexes
        WHERE schemaname = 'public' AND tablename NOT IN ${MIGRATION_TABLES}`),
      triggers: await list(`SELECT pg_get_triggerdef(t.oid) AS d FROM pg_trigger t
        JOIN pg_class r ON r.oid = t.tgrelid WHERE r.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal`),
      functions: await list(`SELECT pg_get_functiondef(p.oid) AS d FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace`),
      sequences: await list(`SELECT sequence_name || ' ' || data_type AS d FROM information_schema.sequences
        WHERE sequence_schema = 'public'`),
      enums: await list(`SELECT t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS d
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname`),
    };
  });
}

interface PlatformRows {
  outbox: unknown[];
  processed: unknown[];
  relayState: unknown[];
}

async function platformRows(url: string): Promise<PlatformRows> {
  return withClient(url, async (c) => ({
    outbox: (await c.query('SELECT * FROM outbox ORDER BY id')).rows,
    processed: (await c.query('SELECT * FROM processed_messages ORDER BY consumer, event_id')).rows,
    relayState: (await c.query('SELECT * FROM outbox_relay_state')).rows,
  }));
}

/** What a running service leaves behind: published and pending outbox rows, handled events, a listening relay. */
async function writePlatformRows(url: string): Promise<void> {
  await withClient(url, async (c) => {
    for (let i = 0; i < 3; i++) {
      await c.query(
        `INSERT INTO outbox (event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload,
           headers, published_at)
         VALUES ($1, 'OrderPlaced', 1, 'Order', $2, 'order.events', $3, '{"traceparent":"00-x"}', $4)`,
        [randomUUID(), randomUUID(), JSON.stringify({ n: i }), i === 0 ? new Date() : null],
      );
      await c.query(
        `INSERT INTO processed_messages (consumer, event_id, event_type, topic, partition, "offset")
         VALUES ('reserve-stock-when-order-placed', $1, 'OrderPlaced', 'order.events', $2, $3)`,
        [randomUUID(), i, 100 + i],
      );
    }
    await c.query('UPDATE outbox_relay_state SET listening = true');
  });
}

async function recorded(url: string, table: string): Promise<{ migration_name: string; checksum: string }[]> {
  return withClient(
    url,
    async (c) =>
      (
        await c.query<{ migration_name: string; checksum: string }>(
          `SELECT migration_name, checksum FROM "${table}" WHERE rolled_back_at IS NULL ORDER BY migration_name`,
        )
      ).rows,
  );
}

async function expectRecordsMatchFolders(url: string, service: ServiceName): Promise<void> {
  const files = async (dir: string) =>
    (await readMigrations(dir)).map((m) => ({ migration_name: m.name, checksum: m.checksum }));
  expect(await recorded(url, '_prisma_migrations')).toEqual(await files(migrationsDir(service)));
  expect(await recorded(url, '_platform_migrations')).toEqual(
    await files(path.join(workspaceRoot(), 'libs/platform/migrations')),
  );
}

afterAll(async () => {
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('the platform owns its tables (ADR 0013, real PostgreSQL)', () => {
  it.each(SERVICES)(
    'a fresh %s database gets the same schema as the migrations before the move',
    async (service) => {
      const before = await createEmptyDatabase();
      const after = await createEmptyDatabase();
      try {
        await applyMigrations(before.url, await oldMigrationsDir(service));
        await migrateServiceDatabase(after.url, migrationsDir(service));
        const expected = await schemaOf(before.url);
        // Not a comparison of two empty lists: the platform's objects are there.
        expect(expected.triggers.join('\n')).toContain(
          'CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox',
        );
        expect(expected.indexes.join('\n')).toContain('outbox_unpublished_idx');
        expect(expected.constraints.join('\n')).toContain(
          'processed_messages_pkey PRIMARY KEY (consumer, event_id)',
        );
        expect(await schemaOf(after.url)).toEqual(expected);
        expect(await platformRows(after.url)).toEqual({
          outbox: [],
          processed: [],
          relayState: [{ id: 1, listening: false }],
        });
        await expectRecordsMatchFolders(after.url, service);
      } finally {
        await Promise.all([before.drop(), after.drop()]);
      }
    },
  );

  it.each(SERVICES)(
    'an existing %s database keeps its rows when upgraded, and a second run changes nothing',
    async (service) => {
      const db = await createEmptyDatabase();
      const reference = await createEmptyDatabase();
      try {
        await applyMigrations(db.url, await oldMigrationsDir(service));
        await writePlatformRows(db.url);
        const rowsBefore = await platformRows(db.url);

        const first = await migrateServiceDatabase(db.url, migrationsDir(service));
        expect(first.platform.applied).toEqual(['20261205000000_outbox_inbox']);
        expect(first.service.applied).toEqual([]);
        expect(first.service.rewritten).toEqual(['20261122050000_init', ...REMOVED]);
        expect(await platformRows(db.url)).toEqual(rowsBefore);
        await expectRecordsMatchFolders(db.url, service);

        await migrateServiceDatabase(reference.url, migrationsDir(service));
        expect(await schemaOf(db.url)).toEqual(await schemaOf(reference.url));

        const second = await migrateServiceDatabase(db.url, migrationsDir(service));
        expect(second.platform).toEqual({
          applied: [],
          alreadyApplied: first.platform.applied,
          rewritten: [],
        });
        expect(second.service).toEqual({
          applied: [],
          alreadyApplied: first.service.alreadyApplied,
          rewritten: [],
        });
        expect(await platformRows(db.url)).toEqual(rowsBefore);

        // The outbox still works: ids continue after the old rows and an insert wakes a listening relay.
        await withClient(db.url, async (c) => {
          const listener = new Client({ connectionString: db.url });
          await listener.connect();
          try {
            await listener.query('LISTEN outbox');
            const woken = new Promise<string>((resolve) =>
              listener.once('notification', (n) => resolve(n.channel)),
            );
            const { rows } = await c.query<{ id: string }>(
              `INSERT INTO outbox (event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload)
               VALUES ($1, 'OrderPlaced', 1, 'Order', 'a', 'order.events', '{}') RETURNING id`,
              [randomUUID()],
            );
            expect(BigInt(rows[0].id)).toBeGreaterThan(
              BigInt((rowsBefore.outbox.at(-1) as { id: string }).id),
            );
            await expect(woken).resolves.toBe('outbox');
          } finally {
            await listener.end();
          }
        });
      } finally {
        await Promise.all([db.drop(), reference.drop()]);
      }
    },
  );

  it('a database migrated only up to the since-undone relay-listen migration converges to the same schema', async () => {
    const db = await createEmptyDatabase();
    const reference = await createEmptyDatabase();
    try {
      await applyMigrations(db.url, await oldMigrationsDir('order', '20261122140000_outbox_relay_listen'));
      await writePlatformRows(db.url);
      const rowsBefore = await platformRows(db.url);
      const result = await migrateServiceDatabase(db.url, migrationsDir('order'));
      // Its service-only migrations were all applied already; the one after the cut was a platform one.
      expect(result.service.applied).toEqual([]);
      expect(result.service.rewritten).toEqual(['20261122050000_init', ...REMOVED.slice(0, 3)]);
      await migrateServiceDatabase(reference.url, migrationsDir('order'));
      expect(await schemaOf(db.url)).toEqual(await schemaOf(reference.url));
      expect(await platformRows(db.url)).toEqual(rowsBefore);
      await expectRecordsMatchFolders(db.url, 'order');
    } finally {
      await Promise.all([db.drop(), reference.drop()]);
    }
  });

  it('still refuses an applied migration edited in a way no rewrite declares', async () => {
    const db = await createEmptyDatabase();
    try {
      await applyMigrations(db.url, await oldMigrationsDir('payment'));
      await withClient(db.url, (c) =>
        c.query(`UPDATE "_prisma_migrations" SET checksum = repeat('0', 64) WHERE migration_name = $1`, [
          '20261122050000_init',
        ]),
      );
      await expect(migrateServiceDatabase(db.url, migrationsDir('payment'))).rejects.toThrow(
        /checksum differs/,
      );
    } finally {
      await db.drop();
    }
  });

  it.each([
    ['a fresh database', false],
    ['an existing database', true],
  ])('concurrent runners on %s apply and rewrite everything exactly once', async (_label, existing) => {
    const db = await createEmptyDatabase();
    try {
      if (existing) {
        await applyMigrations(db.url, await oldMigrationsDir('inventory'));
        await writePlatformRows(db.url);
      }
      const rowsBefore = existing ? await platformRows(db.url) : undefined;
      const results: ServiceMigrationResult[] = await Promise.all(
        [1, 2, 3].map(() => migrateServiceDatabase(db.url, migrationsDir('inventory'))),
      );
      const did = (pick: (r: ServiceMigrationResult) => string[]) =>
        results.map((r) => pick(r).length > 0).filter(Boolean).length;
      expect(did((r) => r.platform.applied)).toBe(1);
      expect(did((r) => (existing ? r.service.rewritten : r.service.applied))).toBe(1);
      expect(did((r) => r.service.applied)).toBe(existing ? 0 : 1);
      if (rowsBefore) expect(await platformRows(db.url)).toEqual(rowsBefore);
      await expectRecordsMatchFolders(db.url, 'inventory');
    } finally {
      await db.drop();
    }
  });
});
