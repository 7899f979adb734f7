import { runService } from '@ordermesh/platform';
import { PaymentAppModule } from './app.module';
import { PaymentConfig } from './config';

/** The payment service process, once main.ts has validated the configuration and started tracing. */
export function run(config: PaymentConfig): void {
  runService({
    name: 'payment',
    description: 'Authorizes, captures, voids and refunds payments for orders.',
    loadConfig: () => config,
    module: (c) => PaymentAppModule.register(c),
  });
}
