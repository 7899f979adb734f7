import { runService } from '@ordermesh/platform';
import { InventoryAppModule } from './app.module';
import { InventoryConfig } from './config';

/** The inventory service process, once main.ts has validated the configuration and started tracing. */
export function run(config: InventoryConfig): void {
  runService({
    name: 'inventory',
    description: 'Owns the catalogue, stock levels and reservations.',
    loadConfig: () => config,
    module: (c) => InventoryAppModule.register(c),
  });
}
