import { TOPICS } from '@ordermesh/contracts';
import { IsInt, Max, Min } from 'class-validator';
import {
  commonServiceConfig,
  CommonServiceConfig,
  EnvInt,
  loadEnv,
  ServiceEnv,
} from '@ordermesh/platform/config';

/** Every environment variable the order service reads (ServiceEnv lists the shared ones). The only reader of process.env. */
class OrderEnv extends ServiceEnv {
  override HTTP_PORT = 3000;
  /** Most orders one placing statement carries (concurrent POST /orders share it and its commit); 1: one each. */
  @EnvInt() @IsInt() @Min(1) @Max(1_000) PLACEMENT_BATCH_MAX = 64;
  /** Placing statements in flight at once; requests arriving while all are busy form the next batch. */
  @EnvInt() @IsInt() @Min(1) @Max(100) PLACEMENT_MAX_IN_FLIGHT = 2;
}

export interface OrderConfig extends CommonServiceConfig {
  service: 'order';
  placement: { maxBatch: number; maxInFlight: number };
}

export function loadOrderConfig(env: Record<string, string | undefined> = process.env): OrderConfig {
  const e = loadEnv(OrderEnv, env);
  return {
    service: 'order',
    ...commonServiceConfig('order', [TOPICS.inventory, TOPICS.payment], e),
    placement: { maxBatch: e.PLACEMENT_BATCH_MAX, maxInFlight: e.PLACEMENT_MAX_IN_FLIGHT },
  };
}
