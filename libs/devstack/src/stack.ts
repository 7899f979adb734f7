import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { migrateServiceDatabase } from '@ordermesh/platform';
import { DevStackConfig } from './config';
import { KafkaBroker, startKafkaBroker } from './kafka/kafka-broker';
import { PostgresCluster, startPostgresCluster } from './postgres-cluster';
import { migrationsDir, SERVICES, ServiceName, workspaceRoot } from './workspace';

export interface ServiceProcess {
  name: ServiceName;
  port: number;
  url: string;
  child: ChildProcess;
}

export interface RunningStack {
  postgres: PostgresCluster;
  broker: KafkaBroker;
  services: ServiceProcess[];
  databaseUrls: Record<ServiceName, string>;
  stop(): Promise<void>;
  /** SIGKILLs one service (if it still runs) and spawns it again with the same environment; `child` is replaced. */
  restartService(name: ServiceName): Promise<ServiceProcess>;
  /** Stops the broker (the JVM, on Apache Kafka) and starts it again on the same port and data directory. */
  restartBroker(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment per service (e.g. RESERVATION_TTL_MS), on top of what the stack sets. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Where a service's stdout/stderr go (a file descriptor opened for appending); default: the supervisor's. */
  output?: (name: ServiceName) => number | 'inherit';
}

export type StackLog = (line: string) => void;

/** Starts the embedded PostgreSQL cluster, creates one database per service and migrates them. */
export async function startDatabases(
  config: DevStackConfig,
  log: StackLog,
): Promise<{ postgres: PostgresCluster; databaseUrls: Record<ServiceName, string> }> {
  const postgres = await startPostgresCluster({
    dataDir: path.resolve(workspaceRoot(), config.dataDir, 'postgres'),
    port: config.postgresPort,
    persistent: true,
    settings: config.postgresSettings,
  });
  const databaseUrls = {} as Record<ServiceName, string>;
  for (const service of SERVICES) {
    await postgres.ensureDatabase(service);
    databaseUrls[service] = postgres.urlFor(service);
  }
  await migrateAll(databaseUrls, log);
  return { postgres, databaseUrls };
}

export async function migrateAll(urls: Record<ServiceName, string>, log: StackLog): Promise<void> {
  for (const service of SERVICES) {
    const { platform, service: own } = await migrateServiceDatabase(urls[service], migrationsDir(service));
    const rewritten = own.rewritten.length ? `, ${own.rewritten.length} history records rewritten` : '';
    log(
      `  ${service.padEnd(9)} migrations: ${own.applied.length} applied, ${own.alreadyApplied.length} already applied` +
        ` (platform: ${platform.applied.length} applied, ${platform.alreadyApplied.length} already applied)${rewritten}`,
    );
  }
}

/** Everything `npm start` runs: PostgreSQL, the Kafka-protocol broker and the three services as child processes. */
export async function startStack(
  config: DevStackConfig,
  log: StackLog,
  options: StackOptions = {},
): Promise<RunningStack> {
  const root = workspaceRoot();
  const { postgres, databaseUrls } = await startDatabases(config, log);
  // Each broker keeps its own data directory: their on-disk formats have nothing in common.
  const kafkaDir = path.join(config.dataDir, config.kafka.kind === 'apache' ? 'kafka-apache' : 'kafka');
  let broker: KafkaBroker;
  try {
    broker = await startKafkaBroker({
      kind: config.kafka.kind,
      port: config.kafka.port,
      controllerPort: config.kafka.controllerPort,
      dataDir: path.resolve(root, kafkaDir),
      defaultPartitions: config.kafka.partitions,
      javaHome: config.kafka.javaHome,
      log: (line) => log(`  kafka     ${line}`),
    });
  } catch (err) {
    await postgres.stop();
    throw err;
  }
  log(`  kafka     ${broker.label} on ${broker.address} (data: ${kafkaDir})`);

  const spawnService = (name: ServiceName): ChildProcess => {
    const out = options.output?.(name) ?? 'inherit';
    return spawn(
      process.execPath,
      [...config.serviceNodeArgs, '--enable-source-maps', path.join(root, 'dist/apps', name, 'src/main.js')],
      {
        cwd: root,
        stdio: ['ignore', out, out],
        // Own process group: Ctrl-C reaches only the supervisor, which stops the services in order.
        detached: true,
        env: {
          ...process.env,
          HTTP_PORT: String(config.ports[name]),
          DATABASE_URL: databaseUrls[name],
          KAFKA_BROKERS: broker.address,
          LOG_LEVEL: config.logLevel,
          CHAOS_ENABLED: String(config.chaosEnabled),
          ADMIN_TOKEN: config.adminToken,
          OTEL_TRACES_EXPORTER: config.tracesExporter,
          ...(options.serviceEnv?.[name] ?? {}),
        },
      },
    );
  };
  const services: ServiceProcess[] = SERVICES.map((name) => {
    const port = config.ports[name];
    return { name, port, url: `http://localhost:${port}`, child: spawnService(name) };
  });

  const restartService = async (name: ServiceName): Promise<ServiceProcess> => {
    const s = services.find((x) => x.name === name)!;
    if (s.child.exitCode === null && s.child.signalCode === null) {
      await new Promise<void>((resolve) => {
        s.child.once('exit', () => resolve());
        s.child.kill('SIGKILL');
      });
    }
    s.child = spawnService(name);
    return s;
  };
  // Same port, so the services' KAFKA_BROKERS still points at it.
  const restartBroker = (): Promise<void> => broker.restart();

  const stop = async () => {
    await Promise.all(services.map((s) => stopChild(s.child)));
    await broker.stop();
    await postgres.stop();
  };
  return { postgres, broker, services, databaseUrls, stop, restartService, restartBroker };
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls `url` until it answers 2xx or `timeoutMs` passes. */
export async function waitForHttpOk(url: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`${url}: the process exited before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}
