// The only module family in ordermesh that imports kafkajs (see eslint.config.mjs).
import { Admin, CompressionTypes, Consumer, Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import type { DeliveryControl, InboundMessage, MessagePublisher, OutboundMessage } from '../messages';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Retries of a failed request or connection (default 8); an interactive tool wants a quick answer. */
  retries?: number;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
}

export type KafkaLog = (
  level: 'error' | 'warn' | 'info' | 'debug',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export function createKafka(settings: KafkaSettings, log: KafkaLog): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 100, retries: settings.retries ?? 8, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...extra } = entry.log;
      const level =
        entry.level === logLevel.ERROR
          ? 'error'
          : entry.level === logLevel.WARN
            ? 'warn'
            : entry.level === logLevel.INFO
              ? 'info'
              : 'debug';
      log(level, String(message), { kafka: entry.namespace, ...extra });
    },
  });
}

/** Creates missing topics with explicit partition counts; existing topics are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: -1 })),
      });
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

/** Idempotent producer with acks=all: a retried send never duplicates within a partition. */
export class KafkaPublisher implements MessagePublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2 on the key, as Kafka's Java client: one order's events share a partition whichever client wrote them.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = null;
      throw err;
    });
    await this.connected;
  }

  async publish(messages: OutboundMessage[]): Promise<void> {
    await this.connect();
    const byTopic = new Map<string, OutboundMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic) ?? [];
      list.push(m);
      byTopic.set(m.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, list]) => ({
        topic,
        messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
    this.connected = null;
  }
}

export interface ConsumerRunOptions {
  groupId: string;
  topics: string[];
  /**
   * Called with consecutive messages of one partition (in offset order, at most `maxBatch`); resolves when all of
   * them may be committed.
   */
  onMessages: (messages: InboundMessage[], control: DeliveryControl) => Promise<void>;
  maxBatch?: number;
  sessionTimeoutMs?: number;
  /** Partitions processed concurrently (order holds within a partition). */
  partitionsConsumedConcurrently?: number;
}

/** A consumer group member feeding messages one by one per partition, committing offsets as they are resolved. */
export class KafkaEventConsumer {
  private consumer: Consumer | null = null;

  constructor(private readonly kafka: Kafka) {}

  async start(opts: ConsumerRunOptions): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: opts.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 500,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently ?? 3,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const maxBatch = opts.maxBatch ?? 100;
        const control: DeliveryControl = { heartbeat, isRunning: () => isRunning() && !isStale() };
        for (let i = 0; i < batch.messages.length; i += maxBatch) {
          if (!isRunning() || isStale()) break;
          const chunk = batch.messages.slice(i, i + maxBatch);
          await opts.onMessages(
            chunk.map((m) => {
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) {
                if (v !== undefined) headers[k] = Array.isArray(v) ? String(v[0]) : v.toString();
              }
              return {
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key?.toString() ?? null,
                value: m.value,
                headers,
              };
            }),
            control,
          );
          resolveOffset(chunk[chunk.length - 1]!.offset);
          await heartbeat();
        }
        await commitOffsetsIfNecessary();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
  }
}

/** Readiness: the cluster answers a metadata request within the timeout. */
export async function kafkaReachable(kafka: Kafka, timeoutMs = 2_000): Promise<void> {
  const admin = kafka.admin();
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    await Promise.race([
      (async () => {
        await admin.connect();
        await admin.describeCluster();
      })(),
      timeout,
    ]);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export type { Kafka };
