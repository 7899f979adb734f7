import { InventoryAppModule, loadInventoryConfig } from '@ordermesh/inventory';
import { loadOrderConfig, OrderAppModule } from '@ordermesh/order';
import { loadPaymentConfig, PaymentAppModule } from '@ordermesh/payment';
import { SagaStackOptions, startSagaStack } from '@ordermesh/testing';

/** The three services as their main.ts builds them, from environment maps. */
export function startStack(env: SagaStackOptions['env'] = {}) {
  return startSagaStack({
    services: {
      order: (e) => OrderAppModule.register(loadOrderConfig(e)),
      inventory: (e) => InventoryAppModule.register(loadInventoryConfig(e)),
      payment: (e) => PaymentAppModule.register(loadPaymentConfig(e)),
    },
    env,
  });
}
