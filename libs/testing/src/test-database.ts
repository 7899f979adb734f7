import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { migrateServiceDatabase } from '@ordermesh/platform';
import { testClusterUrl } from './jest/cluster-env';
import { migrationsDir, ServiceName } from '@ordermesh/devstack';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test suite on the test run's shared cluster, migrated as every service database is
 * (platform, then service). Each suite owns its data; nothing is shared between suites but the server process.
 */
export async function createTestDatabase(service: ServiceName): Promise<TestDatabase> {
  const db = await createEmptyDatabase(`t_${service}`);
  await migrateServiceDatabase(db.url, migrationsDir(service));
  return db;
}

/** An empty database on the shared cluster, for tests of the migrations themselves. */
export async function createEmptyDatabase(prefix = 't_empty'): Promise<TestDatabase> {
  const adminUrl = testClusterUrl('postgres');
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: testClusterUrl(name),
    drop: () => dropDatabase(adminUrl, name),
  };
}

/**
 * Drops a suite's database once its sessions are gone. A backend outlives its client's `end()` by a moment, and
 * `WITH (FORCE)` would terminate it — sending 57P01 to a client still closing, which a pool without an 'error'
 * listener rethrows as an unhandled error in whichever test runs next. So wait for the sessions to leave (a plain
 * DROP refuses while any is connected), and force only sessions a suite leaked.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (c) => {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}"`);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006') throw err; // object_in_use: sessions still connected
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
