import 'reflect-metadata';
import { serviceMain } from '@ordermesh/platform/observability/service-main';
import { loadInventoryConfig } from './config';

// Nest, pg and the app load only inside start(), after tracing is up (see serviceMain).
serviceMain({
  name: 'inventory',
  loadConfig: () => loadInventoryConfig(),
  start: async (config) => {
    const [{ runService }, { InventoryAppModule }] = await Promise.all([
      import('@ordermesh/platform'),
      import('./app.module'),
    ]);
    runService({
      name: 'inventory',
      description: 'Owns the catalogue, stock levels and reservations.',
      loadConfig: () => config,
      module: (c) => InventoryAppModule.register(c),
    });
  },
});
