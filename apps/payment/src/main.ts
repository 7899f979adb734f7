import 'reflect-metadata';
import { serviceMain } from '@ordermesh/platform/observability/service-main';
import { loadPaymentConfig } from './config';

// Nest, pg and the app load only inside start(), after tracing is up (see serviceMain).
serviceMain({
  name: 'payment',
  loadConfig: () => loadPaymentConfig(),
  start: async (config) => (await import('./run')).run(config),
});
