import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import type { ServiceName } from '@ordermesh/contracts';
import type { MessagingOptions } from '../messaging/messaging.module';
import { TRACE_EXPORTERS, TraceExporterKind, TracingOptions } from '../observability/tracing-options';
import { EnvBoolean, EnvFloat, EnvInt, IsLogLevel, IsPort, IsPostgresUrl, LogLevel } from './env-decorators';

/**
 * Variables every service reads. Each app's config.ts extends this (changing its own defaults) and is the only
 * module that passes process.env in.
 */
export class ServiceEnv {
  @IsPort() HTTP_PORT = 3000;
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsPostgresUrl() DATABASE_URL!: string;
  @EnvInt() @IsInt() @Min(1) @Max(100) DATABASE_POOL_SIZE = 10;
  @IsLogLevel() LOG_LEVEL: LogLevel = 'info';

  @Matches(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, { message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS = '127.0.0.1:9092';
  @EnvInt() @IsInt() @Min(1) @Max(256) KAFKA_TOPIC_PARTITIONS = 6;
  /** false: no relay, no consumers (for tests of the HTTP edge alone). */
  @EnvBoolean() @IsBoolean() MESSAGING_ENABLED = true;
  @EnvInt() @IsInt() @Min(1) @Max(10_000) OUTBOX_BATCH_SIZE = 500;
  @EnvInt() @IsInt() @Min(10) @Max(60_000) OUTBOX_POLL_INTERVAL_MS = 500;
  @EnvInt() @IsInt() @Min(0) OUTBOX_RETENTION_MS = 24 * 3600 * 1000;
  @EnvInt() @IsInt() @Min(1) @Max(100) CONSUMER_MAX_ATTEMPTS = 8;
  @EnvInt() @IsInt() @Min(1) CONSUMER_RETRY_BASE_MS = 100;
  @EnvInt() @IsInt() @Min(1) CONSUMER_RETRY_MAX_MS = 5_000;
  /**
   * Partitions of one fetch handled at the same time; their messages form one run, one transaction (RunGatherer).
   * The default covers two topics of 6 partitions, so one fetch is one transaction.
   */
  @EnvInt() @IsInt() @Min(1) @Max(64) CONSUMER_CONCURRENCY = 12;
  /**
   * false: each partition's batch is a run of its own and up to CONSUMER_CONCURRENCY run at once — for a service whose
   * reactions wait on a remote call (payment's gateway), which one merged run would make one after another.
   */
  @EnvBoolean() @IsBoolean() CONSUMER_MERGE_PARTITIONS = true;
  /** Most messages of one partition handled in one transaction. */
  @EnvInt() @IsInt() @Min(1) @Max(1_000) CONSUMER_MAX_BATCH = 100;

  /** false: no OpenTelemetry SDK at all (no trace ids anywhere); true with exporter none still propagates traces. */
  @EnvBoolean() @IsBoolean() TRACING_ENABLED = true;
  @IsIn([...TRACE_EXPORTERS], { message: `must be one of ${TRACE_EXPORTERS.join(', ')}` })
  OTEL_TRACES_EXPORTER: TraceExporterKind = 'none';
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT = 'http://localhost:4318';
  @EnvFloat() @IsNumber() @Min(0) @Max(1) TRACES_SAMPLE_RATIO = 1;

  /** true: the /admin/chaos fault-injection endpoints exist (never in production). */
  @EnvBoolean() @IsBoolean() CHAOS_ENABLED = false;
  /** Bearer token of the admin endpoints; required when chaos is enabled. */
  @ValidateIf((e: ServiceEnv) => e.CHAOS_ENABLED === true)
  @IsString({ message: 'is required when CHAOS_ENABLED=true' })
  @MinLength(12, { message: 'must be at least 12 characters when CHAOS_ENABLED=true' })
  ADMIN_TOKEN?: string;
  /** Seed of the chaos PRNG at boot (and after a reset): the same seed and message order give the same faults. */
  @IsOptional() @EnvInt() @IsInt() @Min(0) @Max(0xffff_ffff) CHAOS_SEED?: number;
}

export interface CommonServiceConfig {
  http: { port: number; host: string };
  database: { url: string; poolSize: number };
  log: { level: LogLevel };
  messaging: MessagingOptions;
  tracing: TracingOptions;
  chaos: { enabled: boolean; adminToken: string | null; seed: number };
}

export function commonServiceConfig(
  service: ServiceName,
  consumes: string[],
  e: ServiceEnv,
): CommonServiceConfig {
  return {
    http: { port: e.HTTP_PORT, host: e.HTTP_HOST },
    database: { url: e.DATABASE_URL, poolSize: e.DATABASE_POOL_SIZE },
    log: { level: e.LOG_LEVEL },
    tracing: {
      enabled: e.TRACING_ENABLED,
      service,
      exporter: e.OTEL_TRACES_EXPORTER,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      sampleRatio: e.TRACES_SAMPLE_RATIO,
    },
    messaging: {
      service,
      databaseUrl: e.DATABASE_URL,
      kafka: { brokers: e.KAFKA_BROKERS.split(','), clientId: `${service}-service` },
      topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
      consumes,
      autoStart: e.MESSAGING_ENABLED,
      relay: {
        batchSize: e.OUTBOX_BATCH_SIZE,
        pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
        retentionMs: e.OUTBOX_RETENTION_MS,
        cleanupIntervalMs: 60_000,
      },
      retry: {
        maxAttempts: e.CONSUMER_MAX_ATTEMPTS,
        baseDelayMs: e.CONSUMER_RETRY_BASE_MS,
        maxDelayMs: e.CONSUMER_RETRY_MAX_MS,
      },
      consumer: {
        concurrency: e.CONSUMER_CONCURRENCY,
        maxBatch: e.CONSUMER_MAX_BATCH,
        mergePartitions: e.CONSUMER_MERGE_PARTITIONS,
      },
    },
    chaos: { enabled: e.CHAOS_ENABLED, adminToken: e.ADMIN_TOKEN ?? null, seed: e.CHAOS_SEED ?? 0 },
  };
}
