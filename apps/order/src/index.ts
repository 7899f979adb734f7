// What end-to-end tests need to run this service in-process; nothing else imports an app.
export { OrderAppModule } from './app.module';
export { loadOrderConfig } from './config';
export type { OrderConfig } from './config';
