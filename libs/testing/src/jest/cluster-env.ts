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

import { loadDevStackConfig } from '@ordermesh/devstack';

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

/**
 * Which infrastructure the integration suites run against: the embedded PostgreSQL cluster and broker (the default,
 * and what CI runs: it has no Docker), or PostgreSQL and Apache Kafka in containers through testcontainers.
 */
export const TEST_INFRA_VAR = 'ORDERMESH_TEST_INFRA';
export const TEST_INFRA_MODES = ['embedded', 'containers'] as const;
export type TestInfraMode = (typeof TEST_INFRA_MODES)[number];

export class TestInfraConfigError extends Error {
  readonly code = 'TESTING.BAD_INFRA_MODE';
  constructor(message: string) {
    super(message);
    this.name = 'TestInfraConfigError';
  }
}

/** Unset or empty means embedded; anything but the two modes is refused rather than guessed at. */
export function parseTestInfraMode(raw: string | undefined): TestInfraMode {
  if (raw === undefined || raw === '') return 'embedded';
  const mode = TEST_INFRA_MODES.find((m) => m === raw);
  if (!mode) {
    throw new TestInfraConfigError(
      `${TEST_INFRA_VAR} must be one of ${TEST_INFRA_MODES.map((m) => `"${m}"`).join(', ')} (got "${raw}")`,
    );
  }
  return mode;
}

export function testInfraMode(): TestInfraMode {
  return parseTestInfraMode(process.env[TEST_INFRA_VAR]);
}

/**
 * Which broker the suites start where they start their own (outside containers mode): the embedded one, or Apache
 * Kafka on the JVM under ORDERMESH_KAFKA=apache — read through the dev stack's config, as `npm start` reads it.
 */
export function testKafkaKind(): { kind: 'embedded' | 'apache'; javaHome?: string } {
  const { kind, javaHome } = loadDevStackConfig(process.env).kafka;
  return { kind, javaHome };
}
