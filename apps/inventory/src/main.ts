import 'reflect-metadata';
import { runService } from '@ordermesh/platform';
import { InventoryAppModule } from './app.module';
import { loadInventoryConfig } from './config';

runService({
  name: 'inventory',
  description: 'Owns the catalogue, stock levels and reservations.',
  loadConfig: () => loadInventoryConfig(),
  module: (config) => InventoryAppModule.register(config),
});
