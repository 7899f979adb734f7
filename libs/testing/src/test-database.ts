import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { applyMigrations } from '@ordermesh/platform';
import { testClusterUrl } from './jest/cluster-env';
import { migrationsDir, ServiceName } from '@ordermesh/devstack';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one test suite on the test run's shared cluster. Each suite owns its data;
 * nothing is shared between suites but the server process.
 */
export async function createTestDatabase(service: ServiceName): Promise<TestDatabase> {
  const adminUrl = testClusterUrl('postgres');
  const name = `t_${service}_${randomBytes(5).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = testClusterUrl(name);
  await applyMigrations(url, migrationsDir(service));
  return {
    name,
    url,
    drop: () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
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
