import { runService } from '@ordermesh/platform';
import { OrderAppModule } from './app.module';
import { OrderConfig } from './config';

/** The order service process, once main.ts has validated the configuration and started tracing. */
export function run(config: OrderConfig): void {
  runService({
    name: 'order',
    description: 'Places orders and tracks them through the saga.',
    loadConfig: () => config,
    module: (c) => OrderAppModule.register(c),
  });
}
