export * from './envelope';
export * from './registry';
export * from './fixtures';
export * from './events/order.events';
export * from './events/inventory.events';
export * from './events/payment.events';
