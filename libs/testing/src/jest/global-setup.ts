import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startKafkaBroker, startPostgresCluster } from '@ordermesh/devstack';
import { TEST_KAFKA_VAR, TEST_PG_URL_VAR, testInfraMode, testKafkaKind } from './cluster-env';

declare global {
  var __ORDERMESH_PG__: { stop(): Promise<void> } | undefined;
  var __ORDERMESH_KAFKA__: { stop(): Promise<void> } | undefined;
}

/**
 * The test run's shared infrastructure: one PostgreSQL server and one Kafka broker, unless the runner (npm test)
 * already started them for the whole run. Embedded by default; containers when ORDERMESH_TEST_INFRA says so; the
 * broker is Apache Kafka on the JVM when ORDERMESH_KAFKA=apache.
 */
export default async function globalSetup(): Promise<void> {
  const mode = testInfraMode();
  const needPg = !process.env[TEST_PG_URL_VAR];
  const needKafka = !process.env[TEST_KAFKA_VAR];
  if (mode === 'containers') {
    // Loaded only here: the embedded path never pays for testcontainers.
    const { assertContainerRuntime, startKafkaContainer, startPostgresContainer } =
      await import('../containers');
    if (needPg || needKafka) await assertContainerRuntime();
    if (needPg) {
      const pg = await startPostgresContainer();
      globalThis.__ORDERMESH_PG__ = pg;
      process.env[TEST_PG_URL_VAR] = pg.adminUrl;
    }
    // Also pulls the Kafka image before any suite's hooks start a saga stack's own broker under a timeout.
    if (needKafka) {
      const broker = await startKafkaContainer();
      globalThis.__ORDERMESH_KAFKA__ = broker;
      process.env[TEST_KAFKA_VAR] = broker.address;
    }
    return;
  }
  if (needPg) {
    const dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'ordermesh-pg-')), 'data');
    const cluster = await startPostgresCluster({ dataDir, port: await freePort(), persistent: false });
    globalThis.__ORDERMESH_PG__ = cluster;
    process.env[TEST_PG_URL_VAR] = cluster.urlFor('postgres');
  }
  if (needKafka) {
    const broker = await startKafkaBroker({ ...testKafkaKind() });
    globalThis.__ORDERMESH_KAFKA__ = broker;
    process.env[TEST_KAFKA_VAR] = broker.address;
  }
}
