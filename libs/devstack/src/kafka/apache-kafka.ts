import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createKafka } from '@ordermesh/platform';
import { freePort } from '../net';
import { workspaceRoot } from '../workspace';
import { ApacheKafkaError } from './apache-kafka-errors';
import { resolveBrokerClasspath } from './broker-jars';
import { findJava } from './java';
import { renderProperties, serverProperties } from './server-properties';

export interface ApacheKafkaOptions {
  /** Client port; default a free one. */
  port?: number;
  /** KRaft controller port; default a free one. */
  controllerPort?: number;
  host?: string;
  /** Kept across restarts and runs; default a temporary directory removed by stop(). */
  dataDir?: string;
  /** num.partitions of topics created without a count; default 1. */
  defaultPartitions?: number;
  /** auto.create.topics.enable; default false (ordermesh creates its topics with explicit counts). */
  autoCreateTopics?: boolean;
  /** Where the jars are cached; default <workspace>/.data/apache-kafka. */
  cacheDir?: string;
  javaHome?: string;
  /** JVM heap; default 512m. */
  heap?: string;
  /** Broker settings on top of the defaults (serverProperties). */
  properties?: Record<string, string>;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface RunningApacheKafka {
  kind: 'apache';
  version: string;
  host: string;
  port: number;
  address: string;
  dataDir: string;
  /** The broker's own log (INFO and up). */
  logFile: string;
  pid(): number | undefined;
  /** SIGTERM (controlled shutdown), SIGKILL after the grace period; the data directory stays. */
  stop(): Promise<void>;
  /** Stops the JVM and starts it again on the same ports and data; clients reconnect by themselves. */
  restart(): Promise<void>;
}

const STOP_GRACE_MS = 20_000;

/** One Apache Kafka broker (KRaft, broker + controller) as a JVM child process, from jars resolved by Maven. */
export async function startApacheKafka(opts: ApacheKafkaOptions = {}): Promise<RunningApacheKafka> {
  const root = workspaceRoot();
  const log = opts.log ?? (() => undefined);
  const { java } = findJava(opts.javaHome);
  const cacheDir = opts.cacheDir ?? path.join(root, '.data', 'apache-kafka');
  const cp = resolveBrokerClasspath({ root, cacheDir });
  if (cp.resolved) log(`apache kafka ${cp.version}: jars resolved with Maven into ${cacheDir}`);

  const host = opts.host ?? '127.0.0.1';
  const port = opts.port || (await freePort());
  let controllerPort = opts.controllerPort || (await freePort());
  while (controllerPort === port) controllerPort = await freePort();
  const ownDir = opts.dataDir === undefined;
  const dataDir = ownDir
    ? mkdtempSync(path.join(os.tmpdir(), 'ordermesh-kafka-'))
    : path.resolve(opts.dataDir!);
  const logsDir = path.join(dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  const propsFile = path.join(dataDir, 'server.properties');
  writeFileSync(
    propsFile,
    renderProperties(
      serverProperties({
        host,
        port,
        controllerPort,
        logDir: path.join(dataDir, 'log'),
        defaultPartitions: opts.defaultPartitions ?? 1,
        autoCreateTopics: opts.autoCreateTopics ?? false,
        extra: opts.properties,
      }),
    ),
  );
  const classpath = cp.jars.join(path.delimiter);
  const jvmArgs = [
    `-Xmx${opts.heap ?? '512m'}`,
    // Few GC threads on small machines; the broker's pauses do not matter at this scale.
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dkafka.log.dir=${logsDir}`,
    `-Dlog4j2.configurationFile=${path.join(root, 'infra/kafka/log4j2.properties')}`,
    '-cp',
    classpath,
  ];

  // KRaft refuses to start on unformatted storage; an existing data directory keeps its cluster id.
  if (!existsSync(path.join(dataDir, 'log', 'meta.properties'))) {
    const fmt = spawnSync(
      java,
      [
        ...jvmArgs,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId(),
        '-c',
        propsFile,
        '--ignore-formatted',
      ],
      { encoding: 'utf8' },
    );
    if (fmt.status !== 0) {
      throw new ApacheKafkaError(
        'APACHE_KAFKA.FORMAT_FAILED',
        `kafka-storage format failed (exit ${fmt.status}): ${`${fmt.stdout}${fmt.stderr}`.trim().slice(-2000)}`,
      );
    }
  }

  const address = `${host}:${port}`;
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.on('exit', killOnExit);

  const launch = async (): Promise<void> => {
    const started = Date.now();
    const stderrTail: string[] = [];
    const proc = spawn(java, [...jvmArgs, 'kafka.Kafka', propsFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        stderrTail.push(line);
        if (stderrTail.length > 30) stderrTail.shift();
        log(`apache kafka: ${line}`);
      }
    });
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code, signal) =>
        reject(
          new ApacheKafkaError(
            'APACHE_KAFKA.START_FAILED',
            `the Kafka JVM exited while starting (${signal ?? `code ${code}`}); see ${path.join(logsDir, 'server.log')}` +
              (stderrTail.length ? `\n${stderrTail.join('\n')}` : ''),
          ),
        ),
      ),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([waitForMetadata(address, opts.readyTimeoutMs ?? 60_000), exited]);
    } catch (err) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      throw err;
    }
    log(`apache kafka ${cp.version} on ${address} ready in ${Date.now() - started} ms (pid ${proc.pid})`);
  };

  const stopJvm = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  try {
    await launch();
  } catch (err) {
    process.off('exit', killOnExit);
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  let stopped: Promise<void> | null = null;
  return {
    kind: 'apache',
    version: cp.version,
    host,
    port,
    address,
    dataDir,
    logFile: path.join(logsDir, 'server.log'),
    pid: () => child?.pid,
    stop: () => {
      stopped ??= (async () => {
        await stopJvm();
        process.off('exit', killOnExit);
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
    restart: async () => {
      if (stopped) throw new Error('the broker was stopped');
      await stopJvm();
      await launch();
    },
  };
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding. */
export function clusterId(): string {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
}

/** Ready = answers a metadata request (DescribeCluster) with itself as the controller's cluster member. */
async function waitForMetadata(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const admin = createKafka(
      { brokers: [address], clientId: 'ordermesh-readiness', retries: 0 },
      () => undefined,
    ).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) return;
      last = 'no brokers in metadata';
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ApacheKafkaError(
    'APACHE_KAFKA.START_FAILED',
    `Apache Kafka on ${address} did not answer metadata within ${timeoutMs} ms (${last})`,
  );
}
