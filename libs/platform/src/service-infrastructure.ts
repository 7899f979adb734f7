import { DynamicModule, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { ServiceName } from '@ordermesh/contracts';
import { ChaosModule } from './chaos/chaos.module';
import { CommonServiceConfig } from './config/service-env';
import { DatabaseModule } from './db/database.module';
import { HealthModule } from './health/health.module';
import { loggingModule } from './logging/logger.module';
import { kafkaReadiness, MessagingModule } from './messaging/messaging.module';
import { MetricsModule } from './observability/metrics';
import { runProcessShutdownTasks } from './observability/process-shutdown';

@Injectable()
class ProcessShutdownTasks implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return runProcessShutdownTasks();
  }
}

class ProcessShutdownModule {}

/**
 * What every service module imports: Prometheus metrics (/metrics), JSON logging, its database pool, messaging (outbox relay + Kafka event
 * transport), health — ready when the database answers, and Kafka too when messaging is on — and, with CHAOS_ENABLED=true,
 * the chaos toggles at /admin/chaos.
 */
export function serviceInfrastructure(
  config: CommonServiceConfig & { service: ServiceName },
): DynamicModule[] {
  return [
    { module: ProcessShutdownModule, providers: [ProcessShutdownTasks] },
    MetricsModule.forRoot(config.service),
    loggingModule({ service: config.service, level: config.log.level }),
    DatabaseModule.forRoot({
      url: config.database.url,
      poolSize: config.database.poolSize,
      applicationName: config.service,
    }),
    MessagingModule.forRoot(config.messaging),
    HealthModule.forRoot(config.messaging.autoStart ? { extraChecks: kafkaReadiness } : {}),
    ChaosModule.forRoot({
      service: config.service,
      ...config.chaos,
      maxAttempts: config.messaging.retry.maxAttempts,
    }),
  ];
}
