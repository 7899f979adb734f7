// What end-to-end tests need to run this service in-process; nothing else imports an app.
export { InventoryAppModule } from './app.module';
export { loadInventoryConfig } from './config';
export type { InventoryConfig } from './config';
