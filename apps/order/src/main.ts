import 'reflect-metadata';
import { serviceMain } from '@ordermesh/platform/observability/service-main';
import { loadOrderConfig } from './config';

// Nest, pg and the app load only inside start(), after tracing is up (see serviceMain).
serviceMain({
  name: 'order',
  loadConfig: () => loadOrderConfig(),
  start: async (config) => {
    const [{ runService }, { OrderAppModule }] = await Promise.all([
      import('@ordermesh/platform'),
      import('./app.module'),
    ]);
    runService({
      name: 'order',
      description: 'Places orders and tracks them through the saga.',
      loadConfig: () => config,
      module: (c) => OrderAppModule.register(c),
    });
  },
});
