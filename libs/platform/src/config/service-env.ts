import { IsBoolean, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import type { ServiceName } from '@ordermesh/contracts';
import type { MessagingOptions } from '../messaging/messaging.module';
import { EnvBoolean, EnvInt, IsLogLevel, IsPort, IsPostgresUrl, LogLevel } from './env-decorators';

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
}

export interface CommonServiceConfig {
  http: { port: number; host: string };
  database: { url: string; poolSize: number };
  log: { level: LogLevel };
  messaging: MessagingOptions;
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
    },
  };
}
