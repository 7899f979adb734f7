import { IsInt, Min } from 'class-validator';
import { TOPICS } from '@ordermesh/contracts';
import { commonServiceConfig, CommonServiceConfig, EnvInt, loadEnv, ServiceEnv } from '@ordermesh/platform';

/** Every environment variable the payment service reads (ServiceEnv lists the shared ones). The only reader of process.env. */
class PaymentEnv extends ServiceEnv {
  override HTTP_PORT = 3002;
  /** The mock gateway declines authorizations above this amount (minor units). */
  @EnvInt() @IsInt() @Min(0) GATEWAY_AUTHORIZATION_LIMIT = 1_000_000;
  /** Simulated gateway latency per call. */
  @EnvInt() @IsInt() @Min(0) GATEWAY_LATENCY_MS = 0;
}

export interface PaymentConfig extends CommonServiceConfig {
  service: 'payment';
  gateway: { authorizationLimit: number; latencyMs: number };
}

export function loadPaymentConfig(env: Record<string, string | undefined> = process.env): PaymentConfig {
  const e = loadEnv(PaymentEnv, env);
  return {
    service: 'payment',
    ...commonServiceConfig('payment', [TOPICS.order, TOPICS.inventory], e),
    gateway: { authorizationLimit: e.GATEWAY_AUTHORIZATION_LIMIT, latencyMs: e.GATEWAY_LATENCY_MS },
  };
}
