import { DynamicModule, Module } from '@nestjs/common';
import type { ServiceName } from '@ordermesh/contracts';
import { ConfigError } from '../errors/app-error';
import { MESSAGING_FAULTS } from '../messaging/event-processor';
import { AdminTokenGuard } from './admin-token.guard';
import { ChaosController } from './chaos.controller';
import { CHAOS_OPTIONS, ChaosOptions, ChaosService } from './chaos.service';

export interface ChaosModuleOptions {
  service: ServiceName;
  enabled: boolean;
  adminToken: string | null;
  seed: number;
  maxAttempts: number;
}

/**
 * Chaos toggles behind /admin/chaos. Disabled (the default), the module is empty: no routes (404), no ChaosService,
 * no fault hooks for the consumer (MESSAGING_FAULTS is absent).
 */
@Module({})
export class ChaosModule {
  static forRoot(options: ChaosModuleOptions): DynamicModule {
    if (!options.enabled) return { module: ChaosModule };
    // Config validation already refuses this; repeated so no other caller can enable chaos without a real token.
    if (!options.adminToken || options.adminToken.length < 12) {
      throw new ConfigError('ADMIN_TOKEN (at least 12 characters) is required when CHAOS_ENABLED=true');
    }
    const chaos: ChaosOptions = {
      service: options.service,
      adminToken: options.adminToken,
      seed: options.seed,
      maxAttempts: options.maxAttempts,
    };
    return {
      module: ChaosModule,
      global: true,
      controllers: [ChaosController],
      providers: [
        { provide: CHAOS_OPTIONS, useValue: chaos },
        ChaosService,
        AdminTokenGuard,
        // The consumer's fault hooks: installed only here, never on the production path.
        { provide: MESSAGING_FAULTS, useExisting: ChaosService },
      ],
      exports: [ChaosService, MESSAGING_FAULTS],
    };
  }
}
