import { DynamicModule } from '@nestjs/common';
import type { ServiceName } from '@ordermesh/contracts';
import { CommonServiceConfig } from './config/service-env';
import { DatabaseModule } from './db/database.module';
import { HealthModule } from './health/health.module';
import { loggingModule } from './logging/logger.module';
import { kafkaReadiness, MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './observability/metrics';

/**
 * What every service module imports: Prometheus metrics (/metrics), JSON logging, its database pool, messaging (outbox relay + Kafka event
 * transport) and health — ready when the database answers, and Kafka too when messaging is on.
 */
export function serviceInfrastructure(
  config: CommonServiceConfig & { service: ServiceName },
): DynamicModule[] {
  return [
    MetricsModule.forRoot(config.service),
    loggingModule({ service: config.service, level: config.log.level }),
    DatabaseModule.forRoot({
      url: config.database.url,
      poolSize: config.database.poolSize,
      applicationName: config.service,
    }),
    MessagingModule.forRoot(config.messaging),
    HealthModule.forRoot(config.messaging.autoStart ? { extraChecks: kafkaReadiness } : {}),
  ];
}
