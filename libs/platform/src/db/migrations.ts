import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

/**
 * Applies SQL migrations kept in Prisma's layout (`<dir>/<timestamp>_<name>/migration.sql`) and records them with
 * Prisma's checksum (sha256 of the file). A service's history goes to Prisma's own `_prisma_migrations`, so
 * `prisma migrate deploy` on a machine that has Prisma's engines agrees with what this runner applied (ADR 0002);
 * the platform's own tables (outbox, relay state, inbox) have a history of their own in `_platform_migrations`,
 * applied first in every service database (ADR 0013).
 */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  /** Applied migrations whose record was brought in line with a deliberate history rewrite (see HistoryRewrites). */
  rewritten: string[];
}

export interface ServiceMigrationResult {
  platform: MigrationResult;
  service: MigrationResult;
}

/**
 * Deliberate edits to an applied history, declared so that databases migrated before them are upgraded instead of
 * refused. Only the exact previous checksums listed are accepted: any other edit still fails.
 */
export interface HistoryRewrites {
  reason: string;
  /** Applied migrations whose file was edited: a record with one of these checksums is re-recorded as the file's. */
  edited: { migration: string; previousChecksums: string[] }[];
  /** Applied migrations whose folder was deleted: a record with this checksum is deleted. */
  removed: { migration: string; checksum: string }[];
}

export interface ApplyOptions {
  /** Where the history is recorded; default Prisma's `_prisma_migrations`. */
  table?: string;
  rewrites?: HistoryRewrites;
}

export class MigrationError extends Error {
  readonly code = 'DB.MIGRATION_FAILED';
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

interface AppliedRecord {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

// Any constant works; it only has to be the same for every runner of one database.
const ADVISORY_LOCK_KEY = 72_707_369;
export const SERVICE_MIGRATIONS_TABLE = '_prisma_migrations';
export const PLATFORM_MIGRATIONS_TABLE = '_platform_migrations';
/** Beside a service's `migrations/` folder (not inside it: that folder is Prisma's). */
export const HISTORY_REWRITES_FILE = 'history-rewrites.json';

/** libs/platform/migrations, from src (tests) and from dist (the build copies the SQL beside the compiled code). */
export function platformMigrationsDir(): string {
  return path.resolve(__dirname, '../../migrations');
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const dirs = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of dirs) {
    const sql = await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
    files.push({ name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return files;
}

/** The rewrites declared for a service's migrations folder, if any. */
export async function readHistoryRewrites(migrationsDir: string): Promise<HistoryRewrites | undefined> {
  const file = path.join(migrationsDir, '..', HISTORY_REWRITES_FILE);
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<HistoryRewrites>;
  const isSha = (s: unknown): boolean => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
  const valid =
    typeof raw.reason === 'string' &&
    Array.isArray(raw.edited) &&
    raw.edited.every(
      (e) =>
        typeof e?.migration === 'string' &&
        Array.isArray(e.previousChecksums) &&
        e.previousChecksums.every(isSha),
    ) &&
    Array.isArray(raw.removed) &&
    raw.removed.every((r) => typeof r?.migration === 'string' && isSha(r.checksum));
  if (!valid) throw new MigrationError(`${file} is malformed (reason, edited[], removed[] expected)`);
  return raw as HistoryRewrites;
}

/** One history (a folder recorded in one table), on a connection that holds the advisory lock. */
export async function applyMigrations(
  databaseUrl: string,
  migrationsDir: string,
  options: ApplyOptions = {},
): Promise<MigrationResult> {
  const migrations = await readMigrations(migrationsDir);
  return withMigrationLock(databaseUrl, (client) =>
    applyHistory(client, migrations, options.table ?? SERVICE_MIGRATIONS_TABLE, options.rewrites),
  );
}

/**
 * What every service database gets: the platform's migrations, then the service's, under one lock. The platform's
 * come first because they adopt, without touching their rows, the tables that a service's migrations created before
 * ADR 0013; only then is the service's history re-recorded without them.
 */
export async function migrateServiceDatabase(
  databaseUrl: string,
  serviceMigrationsDir: string,
): Promise<ServiceMigrationResult> {
  const platform = await readMigrations(platformMigrationsDir());
  const service = await readMigrations(serviceMigrationsDir);
  const rewrites = await readHistoryRewrites(serviceMigrationsDir);
  return withMigrationLock(databaseUrl, async (client) => ({
    platform: await applyHistory(client, platform, PLATFORM_MIGRATIONS_TABLE),
    service: await applyHistory(client, service, SERVICE_MIGRATIONS_TABLE, rewrites),
  }));
}

async function withMigrationLock<T>(databaseUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Serialises concurrent runners (several replicas booting at once) on one database.
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    return await fn(client);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

async function applyHistory(
  client: Client,
  migrations: MigrationFile[],
  table: string,
  rewrites?: HistoryRewrites,
): Promise<MigrationResult> {
  if (!/^_[a-z_]+$/.test(table)) throw new MigrationError(`unexpected migrations table name ${table}`);
  // Prisma's own table definition, for the platform's table too: one shape to read with the same tools.
  await client.query(`CREATE TABLE IF NOT EXISTS "${table}" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`);
  const { rows } = await client.query<AppliedRecord>(
    `SELECT migration_name, checksum, finished_at FROM "${table}" WHERE rolled_back_at IS NULL`,
  );
  const done = new Map(rows.map((r) => [r.migration_name, r]));
  const result: MigrationResult = { applied: [], alreadyApplied: [], rewritten: [] };
  if (rewrites) result.rewritten = await rewriteHistory(client, table, migrations, done, rewrites);
  for (const m of migrations) {
    const previous = done.get(m.name);
    if (previous) {
      if (!previous.finished_at) {
        throw new MigrationError(
          `migration ${m.name} previously failed; resolve it before continuing`,
          m.name,
        );
      }
      if (previous.checksum !== m.checksum) {
        throw new MigrationError(
          `migration ${m.name} was edited after it was applied (checksum differs)`,
          m.name,
        );
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    // One transaction per migration: a failure leaves no half-applied schema and no record.
    await client.query('BEGIN');
    try {
      await client.query(m.sql);
      await client.query(
        `INSERT INTO "${table}" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, now(), $3, now(), 1)`,
        [randomUUID(), m.checksum, m.name],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, m.name);
    }
    result.applied.push(m.name);
  }
  return result;
}

/**
 * Re-records, in one transaction, the applied migrations a declared rewrite changed: only records (never schema or
 * rows) change, and `logs` keeps the old checksum. Updates `done` to what is recorded afterwards.
 */
async function rewriteHistory(
  client: Client,
  table: string,
  migrations: MigrationFile[],
  done: Map<string, AppliedRecord>,
  rewrites: HistoryRewrites,
): Promise<string[]> {
  const files = new Map(migrations.map((m) => [m.name, m]));
  const changes: { sql: string; params: unknown[]; name: string }[] = [];
  for (const e of rewrites.edited) {
    const record = done.get(e.migration);
    const file = files.get(e.migration);
    if (!record?.finished_at || !file || record.checksum === file.checksum) continue;
    if (!e.previousChecksums.includes(record.checksum)) continue; // an undeclared edit: refused below
    changes.push({
      name: e.migration,
      sql: `UPDATE "${table}" SET checksum = $2,
              logs = concat_ws(E'\\n', logs, $3::text) WHERE migration_name = $1 AND checksum = $4`,
      params: [
        e.migration,
        file.checksum,
        `history rewrite: checksum was ${record.checksum} (${rewrites.reason})`,
        record.checksum,
      ],
    });
    done.set(e.migration, { ...record, checksum: file.checksum });
  }
  for (const r of rewrites.removed) {
    const record = done.get(r.migration);
    if (!record || files.has(r.migration) || record.checksum !== r.checksum) continue;
    changes.push({
      name: r.migration,
      sql: `DELETE FROM "${table}" WHERE migration_name = $1 AND checksum = $2`,
      params: [r.migration, r.checksum],
    });
    done.delete(r.migration);
  }
  if (changes.length === 0) return [];
  await client.query('BEGIN');
  try {
    for (const c of changes) await client.query(c.sql, c.params);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new MigrationError(`rewriting the migration history failed: ${(err as Error).message}`);
  }
  return changes.map((c) => c.name);
}
