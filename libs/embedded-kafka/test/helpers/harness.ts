// Shared plumbing for the embedded broker's integration tests: broker lifecycle, kafkajs clients with
// logging silenced, unique names, temp dirs and polling. Nothing here fakes broker behaviour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Admin, Consumer, Kafka, KafkaConfig, logLevel, Producer } from 'kafkajs';
import { BrokerOptions, RunningBroker, startBroker } from '../../src';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function makeTempDir(prefix = 'ekafka-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a truthy value (returned) or the deadline passes (throws with `what`). */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Tracks every client/broker a test creates so one `cleanup()` in afterEach/afterAll releases them
 * even when the test failed half-way.
 */
export class TestContext {
  readonly brokers: RunningBroker[] = [];
  private readonly clients: Array<{ disconnect(): Promise<void> }> = [];
  private readonly dirs: string[] = [];
  private readonly extra: Array<() => Promise<void> | void> = [];

  async startBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
    // Debug aid: EKAFKA_TEST_LOG=/tmp/broker.log appends the broker's own log lines to that file.
    const logFile = process.env['EKAFKA_TEST_LOG'];
    const logger: BrokerOptions['logger'] = logFile
      ? (level, msg, fields) =>
          fs.appendFileSync(
            logFile,
            `${new Date().toISOString()} ${level} ${msg} ${fields ? JSON.stringify(fields) : ''}\n`,
          )
      : undefined;
    const b = await startBroker({
      port: 0,
      host: '127.0.0.1',
      groupInitialRebalanceDelayMs: 0,
      ...(logger ? { logger } : {}),
      ...opts,
    });
    this.brokers.push(b);
    return b;
  }

  kafka(broker: RunningBroker, extra: Partial<KafkaConfig> = {}): Kafka {
    return new Kafka({
      clientId: uniqueName('it'),
      brokers: [broker.address],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
      ...extra,
    });
  }

  async producer(kafka: Kafka, cfg: Parameters<Kafka['producer']>[0] = {}): Promise<Producer> {
    const p = kafka.producer({ allowAutoTopicCreation: false, ...cfg });
    this.track(p);
    await p.connect();
    return p;
  }

  async admin(kafka: Kafka): Promise<Admin> {
    const a = kafka.admin();
    this.track(a);
    await a.connect();
    return a;
  }

  consumer(kafka: Kafka, cfg: Parameters<Kafka['consumer']>[0]): Consumer {
    const c = kafka.consumer(cfg);
    this.track(c);
    return c;
  }

  track(c: { disconnect(): Promise<void> }): void {
    this.clients.push(c);
  }

  tempDir(prefix?: string): string {
    const d = makeTempDir(prefix);
    this.dirs.push(d);
    return d;
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.extra.push(fn);
  }

  async cleanup(): Promise<void> {
    const clients = this.clients.splice(0);
    await Promise.all(clients.map((c) => withTimeout(c.disconnect(), 10_000).catch(() => undefined)));
    for (const fn of this.extra.splice(0).reverse()) await Promise.resolve(fn()).catch(() => undefined);
    const brokers = this.brokers.splice(0);
    await Promise.all(brokers.map((b) => withTimeout(b.stop(), 15_000).catch(() => undefined)));
    for (const d of this.dirs.splice(0)) removeDir(d);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Creates a topic and waits until its metadata reports every partition with a leader. */
export async function createTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  if (!created) throw new Error(`topic ${topic} already existed`);
}

/** Sum of high watermarks of every partition of a topic. */
export async function totalMessages(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
}

/**
 * Produces `count` messages key `${prefix}k-${i}` / value `${prefix}v-${i}` round-robin over
 * `partitions` partitions (message i goes to partition i % partitions), `batchSize` per send and
 * `concurrency` sends in flight.
 */
export async function produceNumbered(
  producer: Producer,
  topic: string,
  opts: {
    count: number;
    partitions: number;
    batchSize?: number;
    concurrency?: number;
    prefix?: string;
    acks?: number;
    start?: number;
  },
): Promise<void> {
  const batchSize = opts.batchSize ?? 100;
  const concurrency = opts.concurrency ?? 8;
  const prefix = opts.prefix ?? '';
  const start = opts.start ?? 0;
  let next = start;
  const end = start + opts.count;
  const worker = async (): Promise<void> => {
    while (next < end) {
      const from = next;
      const to = Math.min(end, from + batchSize);
      next = to;
      const messages = [];
      for (let i = from; i < to; i++) {
        messages.push({ key: `${prefix}k-${i}`, value: `${prefix}v-${i}`, partition: i % opts.partitions });
      }
      await producer.send({ topic, acks: opts.acks ?? -1, messages });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
}
