import { TOPICS } from '@ordermesh/contracts';
import { commonServiceConfig, CommonServiceConfig, loadEnv, ServiceEnv } from '@ordermesh/platform/config';

/** Every environment variable the order service reads (ServiceEnv lists the shared ones). The only reader of process.env. */
class OrderEnv extends ServiceEnv {
  override HTTP_PORT = 3000;
}

export interface OrderConfig extends CommonServiceConfig {
  service: 'order';
}

export function loadOrderConfig(env: Record<string, string | undefined> = process.env): OrderConfig {
  const e = loadEnv(OrderEnv, env);
  return { service: 'order', ...commonServiceConfig('order', [TOPICS.inventory, TOPICS.payment], e) };
}
