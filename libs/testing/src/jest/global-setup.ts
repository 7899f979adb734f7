import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, PostgresCluster, startPostgresCluster } from '@ordermesh/devstack';
import { TEST_PG_URL_VAR } from './cluster-env';

declare global {
  var __ORDERMESH_PG__: PostgresCluster | undefined;
}

/** Starts a throwaway cluster unless the runner (npm test) already provides one. */
export default async function globalSetup(): Promise<void> {
  if (process.env[TEST_PG_URL_VAR]) return;
  const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'ordermesh-pg-')), 'data');
  const cluster = await startPostgresCluster({ dataDir, port: await freePort(), persistent: false });
  globalThis.__ORDERMESH_PG__ = cluster;
  process.env[TEST_PG_URL_VAR] = cluster.urlFor('postgres');
}
