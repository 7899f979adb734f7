import 'reflect-metadata';
import { runService } from '@ordermesh/platform';
import { PaymentAppModule } from './app.module';
import { loadPaymentConfig } from './config';

runService({
  name: 'payment',
  description: 'Authorizes, captures, voids and refunds payments for orders.',
  loadConfig: () => loadPaymentConfig(),
  module: (config) => PaymentAppModule.register(config),
});
