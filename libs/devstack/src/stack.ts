import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { applyMigrations } from '@ordermesh/platform';
import { RunningBroker, startBroker } from '@ordermesh/embedded-kafka';
import { DevStackConfig } from './config';
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
  broker: RunningBroker;
  services: ServiceProcess[];
  databaseUrls: Record<ServiceName, string>;
  stop(): Promise<void>;
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
    const result = await applyMigrations(urls[service], migrationsDir(service));
    log(
      `  ${service.padEnd(9)} migrations: ${result.applied.length} applied, ${result.alreadyApplied.length} already applied`,
    );
  }
}

/** Everything `npm start` runs: PostgreSQL, the Kafka-protocol broker and the three services as child processes. */
export async function startStack(config: DevStackConfig, log: StackLog): Promise<RunningStack> {
  const root = workspaceRoot();
  const { postgres, databaseUrls } = await startDatabases(config, log);
  let broker: RunningBroker;
  try {
    broker = await startBroker({
      port: config.kafka.port,
      dataDir: path.resolve(root, config.dataDir, 'kafka'),
      defaultPartitions: config.kafka.partitions,
    });
  } catch (err) {
    await postgres.stop();
    throw err;
  }
  log(`  kafka     embedded broker on ${broker.address} (data: ${path.join(config.dataDir, 'kafka')})`);

  const services: ServiceProcess[] = SERVICES.map((name) => {
    const port = config.ports[name];
    const child = spawn(
      process.execPath,
      [...config.serviceNodeArgs, '--enable-source-maps', path.join(root, 'dist/apps', name, 'src/main.js')],
      {
        cwd: root,
        stdio: ['ignore', 'inherit', 'inherit'],
        // Own process group: Ctrl-C reaches only the supervisor, which stops the services in order.
        detached: true,
        env: {
          ...process.env,
          HTTP_PORT: String(port),
          DATABASE_URL: databaseUrls[name],
          KAFKA_BROKERS: broker.address,
          LOG_LEVEL: config.logLevel,
          CHAOS_ENABLED: String(config.chaosEnabled),
          ADMIN_TOKEN: config.adminToken,
          OTEL_TRACES_EXPORTER: config.tracesExporter,
        },
      },
    );
    return { name, port, url: `http://localhost:${port}`, child };
  });

  const stop = async () => {
    await Promise.all(services.map((s) => stopChild(s.child)));
    await broker.stop();
    await postgres.stop();
  };
  return { postgres, broker, services, databaseUrls, stop };
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
