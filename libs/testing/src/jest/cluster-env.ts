/**
 * How a test run finds its PostgreSQL cluster: `npm test` (tools/test.mjs) starts one and passes its base URL
 * in ORDERMESH_TEST_PG_URL; a single project's run starts its own in the Jest global setup.
 */
export const TEST_PG_URL_VAR = 'ORDERMESH_TEST_PG_URL';

export function testClusterUrl(database: string): string {
  const base = process.env[TEST_PG_URL_VAR];
  if (!base) {
    throw new Error(
      `${TEST_PG_URL_VAR} is not set: run integration tests through npm test or a jest int config`,
    );
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The run's Kafka-protocol broker (host:port), started like the cluster: by npm test or the Jest global setup. */
export const TEST_KAFKA_VAR = 'ORDERMESH_TEST_KAFKA_BROKERS';

export function testKafkaBrokers(): string {
  const brokers = process.env[TEST_KAFKA_VAR];
  if (!brokers)
    throw new Error(
      `${TEST_KAFKA_VAR} is not set: run integration tests through npm test or a jest int config`,
    );
  return brokers;
}
