import 'reflect-metadata';
import { serviceMain } from '@ordermesh/platform/observability/service-main';
import { loadPaymentConfig } from './config';

// Nest, pg and the app load only inside start(), after tracing is up (see serviceMain).
serviceMain({
  name: 'payment',
  loadConfig: () => loadPaymentConfig(),
  start: async (config) => {
    const [{ runService }, { PaymentAppModule }] = await Promise.all([
      import('@ordermesh/platform'),
      import('./app.module'),
    ]);
    runService({
      name: 'payment',
      description: 'Authorizes, captures, voids and refunds payments for orders.',
      loadConfig: () => config,
      module: (c) => PaymentAppModule.register(c),
    });
  },
});
