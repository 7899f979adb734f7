import 'reflect-metadata';
import { runService } from '@ordermesh/platform';
import { OrderAppModule } from './app.module';
import { loadOrderConfig } from './config';

runService({
  name: 'order',
  description: 'Places orders and tracks them through the saga.',
  loadConfig: () => loadOrderConfig(),
  module: (config) => OrderAppModule.register(config),
});
