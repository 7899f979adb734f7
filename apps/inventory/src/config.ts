import { IsInt, Max, Min } from 'class-validator';
import { TOPICS } from '@ordermesh/contracts';
import {
  commonServiceConfig,
  CommonServiceConfig,
  EnvInt,
  loadEnv,
  ServiceEnv,
} from '@ordermesh/platform/config';

/** Every environment variable the inventory service reads (ServiceEnv lists the shared ones). The only reader of process.env. */
class InventoryEnv extends ServiceEnv {
  override HTTP_PORT = 3001;
  /** How long stock stays reserved for an order that has not been confirmed. */
  @EnvInt() @IsInt() @Min(1_000) RESERVATION_TTL_MS = 15 * 60 * 1000;
  @EnvInt() @IsInt() @Min(50) @Max(600_000) EXPIRY_SWEEP_INTERVAL_MS = 1_000;
}

export interface InventoryConfig extends CommonServiceConfig {
  service: 'inventory';
  reservations: { ttlMs: number; sweepIntervalMs: number };
}

export function loadInventoryConfig(env: Record<string, string | undefined> = process.env): InventoryConfig {
  const e = loadEnv(InventoryEnv, env);
  return {
    service: 'inventory',
    ...commonServiceConfig('inventory', [TOPICS.order, TOPICS.payment], e),
    reservations: { ttlMs: e.RESERVATION_TTL_MS, sweepIntervalMs: e.EXPIRY_SWEEP_INTERVAL_MS },
  };
}
