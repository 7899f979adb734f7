import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations, migrateServiceDatabase, MigrationError } from '@ordermesh/platform';
import { createEmptyDatabase, migrationsDir, SERVICES, withClient } from '../src';

async function migrationsFixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ordermesh-mig-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

describe('applyMigrations (real PostgreSQL)', () => {
  it.each(SERVICES)(
    'applies the platform and %s schemas once and is a no-op the second time',
    async (service) => {
      const db = await createEmptyDatabase();
      try {
        const first = await migrateServiceDatabase(db.url, migrationsDir(service));
        expect(first.platform.applied.length).toBeGreaterThan(0);
        expect(first.service.applied.length).toBeGreaterThan(0);
        const second = await migrateServiceDatabase(db.url, migrationsDir(service));
        expect(second).toEqual({
          platform: { applied: [], alreadyApplied: first.platform.applied, rewritten: [] },
          service: { applied: [], alreadyApplied: first.service.applied, rewritten: [] },
        });
        const tables = await withClient(db.url, (c) =>
          c.query<{ table_name: string }>(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
          ),
        );
        const names = tables.rows.map((r) => r.table_name);
        expect(names).toEqual(
          expect.arrayContaining([
            'outbox',
            'processed_messages',
            '_prisma_migrations',
            '_platform_migrations',
          ]),
        );
        const recordedIn = (table: string) =>
          withClient(db.url, async (c) =>
            (
              await c.query(
                `SELECT migration_name, finished_at IS NOT NULL AS done, length(checksum) AS len FROM "${table}"`,
              )
            ).rows.map((r: { migration_name: string }) => r),
          );
        const asRecords = (names: string[]) => names.map((m) => ({ migration_name: m, done: true, len: 64 }));
        expect(await recordedIn('_prisma_migrations')).toEqual(asRecords(first.service.applied));
        expect(await recordedIn('_platform_migrations')).toEqual(asRecords(first.platform.applied));
      } finally {
        await db.drop();
      }
    },
  );

  it('rolls back a failing migration completely and records nothing', async () => {
    const db = await createEmptyDatabase();
    const dir = await migrationsFixture({
      '001_ok': 'CREATE TABLE a (id int);',
      '002_bad': 'CREATE TABLE b (id int); SELECT * FROM no_such_table;',
    });
    try {
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(MigrationError);
      const state = await withClient(db.url, async (c) => ({
        tables: (
          await c.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1`,
          )
        ).rows.map((r: { table_name: string }) => r.table_name),
        recorded: (await c.query('SELECT migration_name FROM "_prisma_migrations"')).rows.map(
          (r: { migration_name: string }) => r.migration_name,
        ),
      }));
      expect(state.tables).toEqual(['_prisma_migrations', 'a']);
      expect(state.recorded).toEqual(['001_ok']);
    } finally {
      await db.drop();
    }
  });

  it('refuses a migration that was edited after it was applied', async () => {
    const db = await createEmptyDatabase();
    const dir = await migrationsFixture({ '001_a': 'CREATE TABLE a (id int);' });
    try {
      await applyMigrations(db.url, dir);
      await writeFile(path.join(dir, '001_a', 'migration.sql'), 'CREATE TABLE a (id bigint);');
      await expect(applyMigrations(db.url, dir)).rejects.toThrow(/checksum/);
    } finally {
      await db.drop();
    }
  });

  it('serialises concurrent runners so each migration applies exactly once', async () => {
    const db = await createEmptyDatabase();
    try {
      const results = await Promise.all([1, 2, 3].map(() => applyMigrations(db.url, migrationsDir('order'))));
      const appliedCounts = results.map((r) => r.applied.length).sort();
      expect(appliedCounts[0]).toBe(0);
      expect(appliedCounts[1]).toBe(0);
      expect(appliedCounts[2]).toBeGreaterThan(0);
    } finally {
      await db.drop();
    }
  });
});
