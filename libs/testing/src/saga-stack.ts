import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DynamicModule } from '@nestjs/common';
import { TOPICS } from '@ordermesh/contracts';
import { consumerLag, createHttpApp, createKafka } from '@ordermesh/platform';
import { KafkaBroker, ServiceName, SERVICES, startKafkaBroker } from '@ordermesh/devstack';
import { request, TestResponse } from './http';
import { testInfraMode, testKafkaKind } from './jest/cluster-env';
import { createTestDatabase, TestDatabase, withClient } from './test-database';

/** How a test builds one service: its root module from an environment (the app's own config loader). */
export type ServiceFactory = (env: Record<string, string>) => DynamicModule;

export interface SagaStackOptions {
  services: Record<ServiceName, ServiceFactory>;
  /** Extra environment per service (e.g. RESERVATION_TTL_MS for expiry tests). */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface SagaStack {
  broker: KafkaBroker;
  databases: Record<ServiceName, TestDatabase>;
  apps: Partial<Record<ServiceName, NestFastifyApplication>>;
  http<T = unknown>(
    service: ServiceName,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse<T>>;
  /** Stops one service as a crash would look from outside (its consumers leave the group), then starts it again. */
  stopService(name: ServiceName): Promise<void>;
  startService(name: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole system in one process for end-to-end tests: a fresh Kafka broker (the embedded one in memory, Apache
 * Kafka on the JVM under ORDERMESH_KAFKA=apache, or its own Kafka container under ORDERMESH_TEST_INFRA=containers),
 * three fresh migrated databases on the run's PostgreSQL server, and the three Nest apps consuming and publishing
 * for real.
 */
export async function startSagaStack(opts: SagaStackOptions): Promise<SagaStack> {
  const broker = await startStackBroker();
  const databases = {} as Record<ServiceName, TestDatabase>;
  for (const s of SERVICES) databases[s] = await createTestDatabase(s);
  const apps: Partial<Record<ServiceName, NestFastifyApplication>> = {};

  const envFor = (name: ServiceName): Record<string, string> => ({
    DATABASE_URL: databases[name].url,
    KAFKA_BROKERS: broker.address,
    KAFKA_TOPIC_PARTITIONS: '3',
    LOG_LEVEL: 'silent',
    OUTBOX_POLL_INTERVAL_MS: '100',
    CONSUMER_RETRY_BASE_MS: '20',
    CONSUMER_RETRY_MAX_MS: '200',
    CONSUMER_MAX_ATTEMPTS: '4',
    ...(opts.env?.[name] ?? {}),
  });

  const startService = async (name: ServiceName) => {
    apps[name] = await createHttpApp({
      module: opts.services[name](envFor(name)),
      title: name,
      description: name,
    });
  };
  const stopService = async (name: ServiceName) => {
    await apps[name]?.close();
    delete apps[name];
  };

  for (const s of SERVICES) await startService(s);

  return {
    broker,
    databases,
    apps,
    http: (service, method, url, body, headers) => {
      const app = apps[service];
      if (!app) throw new Error(`${service} is not running`);
      return request(app, method, url, body, headers);
    },
    stopService,
    startService,
    // Each step is bounded and named: a step that hangs fails the suite saying which one, and the rest still run.
    stop: async () => {
      const hung: string[] = [];
      const step = (what: string, work: () => Promise<void>) => bounded(what, work(), STOP_STEP_MS, hung);
      for (const s of SERVICES) await step(`stopping ${s}`, () => stopService(s));
      await step(`stopping the broker (${broker.label})`, () => broker.stop());
      for (const s of SERVICES) await step(`dropping ${s}'s database`, () => databases[s].drop());
      if (hung.length) throw new Error(`saga stack did not stop cleanly: ${hung.join('; ')}`);
    },
  };
}

const STOP_STEP_MS = 30_000;

/** Waits for `work` at most `ms`; records a failure or an overrun in `problems` instead of throwing. */
async function bounded(what: string, work: Promise<void>, ms: number, problems: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      problems.push(`${what}: still running after ${ms} ms`);
      resolve();
    }, ms);
    timer.unref();
  });
  try {
    await Promise.race([
      work.catch((err: unknown) => {
        problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }),
      overrun,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Topic names are fixed, so every stack needs a broker of its own. */
async function startStackBroker(): Promise<KafkaBroker> {
  if (testInfraMode() === 'embedded') return startKafkaBroker({ ...testKafkaKind(), defaultPartitions: 3 });
  const { assertContainerRuntime, startKafkaContainer } = await import('./containers');
  await assertContainerRuntime();
  return startKafkaContainer({ defaultPartitions: 3 });
}

/** Polls until `probe` returns a value that is not undefined, or fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Waits until the system has nothing left to do: every outbox row is published and every service's consumer
 * group has committed up to the end of every topic it reads — twice in a row, so nothing was in flight between.
 */
export async function quiescent(stack: SagaStack, timeoutMs = 60_000): Promise<void> {
  const kafka = createKafka(
    { brokers: [stack.broker.address], clientId: 'quiescence-probe' },
    () => undefined,
  );
  const consumes: Record<ServiceName, string[]> = {
    order: [TOPICS.inventory, TOPICS.payment],
    inventory: [TOPICS.order, TOPICS.payment],
    payment: [TOPICS.order, TOPICS.inventory],
  };
  const idle = async (): Promise<boolean> => {
    for (const s of SERVICES) {
      const backlog = await withClient(stack.databases[s].url, async (c) =>
        Number((await c.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0].n),
      );
      if (backlog > 0) return false;
      const lag = await consumerLag(kafka, `${s}-service`, consumes[s]);
      if (lag.some((p) => p.lag > 0)) return false;
    }
    return true;
  };
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < deadline) {
    streak = (await idle()) ? streak + 1 : 0;
    if (streak >= 2) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the system did not become quiescent within ${timeoutMs} ms`);
}
