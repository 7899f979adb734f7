// What end-to-end tests need to run this service in-process; nothing else imports an app.
export { PaymentAppModule } from './app.module';
export { loadPaymentConfig } from './config';
export type { PaymentConfig } from './config';
