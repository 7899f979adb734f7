import { IsInt, Max, Min } from 'class-validator';
import { TOPICS } from '@ordermesh/contracts';
import type { BreakerSettings } from './infrastructure/gateway/circuit-breaker-payment-gateway';
import {
  commonServiceConfig,
  CommonServiceConfig,
  EnvInt,
  loadEnv,
  ServiceEnv,
} from '@ordermesh/platform/config';

/** Every environment variable the payment service reads (ServiceEnv lists the shared ones). The only reader of process.env. */
class PaymentEnv extends ServiceEnv {
  override HTTP_PORT = 3002;
  /** Authorizations wait on the gateway: partitions run side by side, so one slow call does not hold the others. */
  override CONSUMER_MERGE_PARTITIONS = false;
  /** The mock gateway declines authorizations above this amount (minor units). */
  @EnvInt() @IsInt() @Min(0) GATEWAY_AUTHORIZATION_LIMIT = 1_000_000;
  /** Simulated gateway latency per call. */
  @EnvInt() @IsInt() @Min(0) GATEWAY_LATENCY_MS = 0;
  /** A gateway call slower than this counts as a failure for the circuit breaker. */
  @EnvInt() @IsInt() @Min(10) @Max(120_000) PAYMENT_BREAKER_TIMEOUT_MS = 5_000;
  /** Failure percentage (over the last 10 s) that opens the circuit. */
  @EnvInt() @IsInt() @Min(1) @Max(100) PAYMENT_BREAKER_ERROR_THRESHOLD_PERCENT = 50;
  /** How long the circuit stays open before a trial call. */
  @EnvInt() @IsInt() @Min(10) @Max(600_000) PAYMENT_BREAKER_RESET_TIMEOUT_MS = 10_000;
  /** Calls (over the last 10 s) before the circuit may open at all. */
  @EnvInt() @IsInt() @Min(0) @Max(10_000) PAYMENT_BREAKER_VOLUME_THRESHOLD = 5;
}

export interface PaymentConfig extends CommonServiceConfig {
  service: 'payment';
  gateway: { authorizationLimit: number; latencyMs: number };
  gatewayBreaker: BreakerSettings;
}

export function loadPaymentConfig(env: Record<string, string | undefined> = process.env): PaymentConfig {
  const e = loadEnv(PaymentEnv, env);
  return {
    service: 'payment',
    ...commonServiceConfig('payment', [TOPICS.order, TOPICS.inventory], e),
    gateway: { authorizationLimit: e.GATEWAY_AUTHORIZATION_LIMIT, latencyMs: e.GATEWAY_LATENCY_MS },
    gatewayBreaker: {
      timeoutMs: e.PAYMENT_BREAKER_TIMEOUT_MS,
      errorThresholdPercent: e.PAYMENT_BREAKER_ERROR_THRESHOLD_PERCENT,
      resetTimeoutMs: e.PAYMENT_BREAKER_RESET_TIMEOUT_MS,
      volumeThreshold: e.PAYMENT_BREAKER_VOLUME_THRESHOLD,
    },
  };
}
