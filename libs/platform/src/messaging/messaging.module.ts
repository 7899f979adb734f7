import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { HealthCheckError } from '@nestjs/terminus';
import { ServiceName, TOPICS, dlqTopic } from '@ordermesh/contracts';
import { Pool } from 'pg';
import { PG_POOL } from '../db/database.module';
import { Metrics } from '../observability/metrics';
import {
  createKafka,
  ensureTopics,
  Kafka,
  KafkaPublisher,
  kafkaReachable,
  TopicSpec,
} from '../kafka/kafka-client';
import { RetryPolicy } from './event-processor';
import { OutboxRelay, OutboxRelayOptions } from './outbox-relay';

export interface MessagingOptions {
  service: ServiceName;
  databaseUrl: string;
  kafka: { brokers: string[]; clientId: string };
  /** Partitions of every saga topic and its DLQ, created at startup when missing. */
  topicPartitions: number;
  /** Topics this service consumes (other services' event topics). */
  consumes: string[];
  relay: Omit<OutboxRelayOptions, 'databaseUrl' | 'lockKey'>;
  retry: RetryPolicy;
  consumer: { concurrency: number; maxBatch: number; mergePartitions: boolean };
  /** Start the relay and consumers (tests of a single component may turn this off). */
  autoStart: boolean;
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/**
 * The messaging runtime of one service: Kafka connection, publisher, outbox relay. Consumers are attached by the
 * KafkaEventTransport (Nest microservice strategy), which consumes with the service's reaction table.
 */
@Injectable()
export class MessagingRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly publisher: KafkaPublisher;
  readonly relay: OutboxRelay;
  private readonly logger = new Logger('Messaging');

  constructor(
    @Inject(MESSAGING_OPTIONS) readonly options: MessagingOptions,
    @Inject(PG_POOL) readonly pool: Pool,
    @Optional() @Inject(Metrics) readonly metrics: Metrics | null,
  ) {
    this.kafka = createKafka(options.kafka, (level, msg, fields) =>
      this.logger[level === 'info' ? 'log' : level]({ ...fields }, msg),
    );
    this.publisher = new KafkaPublisher(this.kafka);
    this.relay = new OutboxRelay(
      this.publisher,
      { ...options.relay, databaseUrl: options.databaseUrl, lockKey: relayLockKey(options.service) },
      {
        published: (rows) => metrics?.recordPublished(rows),
        backlog: (n) => metrics?.outboxBacklog.set(n),
        error: (err) => this.logger.warn({ err }, 'outbox relay error; retrying'),
        leadership: (leader) =>
          this.logger.log(
            { leader },
            leader ? 'outbox relay is the active publisher' : 'outbox relay is standing by',
          ),
      },
    );
  }

  /** Every topic the platform needs: each service's event topic and its dead-letter topic. */
  topicSpecs(): TopicSpec[] {
    const partitions = this.options.topicPartitions;
    return Object.values(TOPICS).flatMap((topic) => [
      { topic, partitions },
      { topic: dlqTopic(topic), partitions },
    ]);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.autoStart) return;
    const created = await ensureTopics(this.kafka, this.topicSpecs());
    if (created.length) this.logger.log({ topics: created }, 'created topics');
    await this.publisher.connect();
    this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.publisher.disconnect();
  }

  reachable(): Promise<void> {
    return kafkaReachable(this.kafka);
  }
}

/**
 * The advisory-lock key of the relay's leader lease: stable per service name (FNV-1a), so services that share one
 * database still elect one relay each.
 */
export function relayLockKey(service: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(`outbox-relay:${service}`)) h = Math.imul(h ^ ch, 0x01000193);
  return h | 0;
}

/** Readiness check for HealthModule: Kafka answers a metadata request. */
export const kafkaReadiness = {
  inject: [MessagingRuntime],
  factory: (runtime: MessagingRuntime) => [
    async () => {
      try {
        await runtime.reachable();
        return { kafka: { status: 'up' as const } };
      } catch (err) {
        throw new HealthCheckError('kafka unreachable', {
          kafka: { status: 'down', message: (err as Error).message },
        });
      }
    },
  ],
};

@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: MESSAGING_OPTIONS, useValue: options }, MessagingRuntime],
      exports: [MessagingRuntime],
    };
  }
}
