import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, PostgresCluster, startPostgresCluster } from '@ordermesh/devstack';
import { RunningBroker, startBroker } from '@ordermesh/embedded-kafka';
import { TEST_KAFKA_VAR, TEST_PG_URL_VAR } from './cluster-env';

declare global {
  var __ORDERMESH_PG__: PostgresCluster | undefined;
  var __ORDERMESH_KAFKA__: RunningBroker | undefined;
}

/**
 * The test run's shared infrastructure: one PostgreSQL cluster and one Kafka-protocol broker, unless the runner
 * (npm test) already started them for the whole run.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env[TEST_PG_URL_VAR]) {
    const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'ordermesh-pg-')), 'data');
    const cluster = await startPostgresCluster({ dataDir, port: await freePort(), persistent: false });
    globalThis.__ORDERMESH_PG__ = cluster;
    process.env[TEST_PG_URL_VAR] = cluster.urlFor('postgres');
  }
  if (!process.env[TEST_KAFKA_VAR]) {
    const broker = await startBroker({ port: 0 });
    globalThis.__ORDERMESH_KAFKA__ = broker;
    process.env[TEST_KAFKA_VAR] = broker.address;
  }
}
