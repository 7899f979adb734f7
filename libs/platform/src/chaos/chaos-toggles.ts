import type { ServiceName } from '@ordermesh/contracts';
import { AppError } from '../errors/app-error';

/** Toggles every service understands: they act on consumption and on the outbox relay. */
export const COMMON_TOGGLES = [
  'seed',
  'handlerFailureRate',
  'crashAfterCommitRate',
  'duplicateDeliveryRate',
  'relayPaused',
] as const;

/** Toggles of the payment gateway adapter, so only the payment service supports them. */
export const GATEWAY_TOGGLES = [
  'paymentDeclineRate',
  'gatewayLatencyMs',
  'gatewayJitterMs',
  'gatewayFailureRate',
] as const;

export type ToggleName = (typeof COMMON_TOGGLES)[number] | (typeof GATEWAY_TOGGLES)[number];

export interface ChaosToggles {
  /** Seed of the PRNG; setting it (even to the same value) restarts the sequence. */
  seed: number;
  /** Probability that an event handler fails transiently before its effect (the platform retries it). */
  handlerFailureRate: number;
  /** Probability that the process kills itself after an event's transaction committed, before the offset commit. */
  crashAfterCommitRate: number;
  /** Probability that a consumed message is handed to the processor twice. */
  duplicateDeliveryRate: number;
  /** The outbox relay publishes nothing while true. */
  relayPaused: boolean;
  /** Probability that the gateway declines an authorization. */
  paymentDeclineRate: number;
  /** Fixed delay added to every gateway call. */
  gatewayLatencyMs: number;
  /** Uniform random extra delay in [0, gatewayJitterMs) per gateway call. */
  gatewayJitterMs: number;
  /** Probability that a gateway call fails technically (1 = full outage). */
  gatewayFailureRate: number;
}

export type RateToggle = {
  [K in ToggleName]: ChaosToggles[K] extends number ? (K extends 'seed' ? never : K) : never;
}[ToggleName];

/** Faults counted in ordermesh_chaos_faults_injected_total{fault}. */
export type FaultName =
  | 'handler_failure'
  | 'crash_after_commit'
  | 'duplicate_delivery'
  | 'payment_decline'
  | 'gateway_failure'
  | 'gateway_latency';

export function supportedToggles(service: ServiceName): ToggleName[] {
  return service === 'payment' ? [...COMMON_TOGGLES, ...GATEWAY_TOGGLES] : [...COMMON_TOGGLES];
}

/** Everything off; `seed` is the configured one (CHAOS_SEED, else 0). */
export function defaultToggles(seed: number): ChaosToggles {
  return {
    seed,
    handlerFailureRate: 0,
    crashAfterCommitRate: 0,
    duplicateDeliveryRate: 0,
    relayPaused: false,
    paymentDeclineRate: 0,
    gatewayLatencyMs: 0,
    gatewayJitterMs: 0,
    gatewayFailureRate: 0,
  };
}

/** A toggle that exists but not in this service (e.g. gateway toggles on order): 400. */
export class UnsupportedToggleError extends AppError {
  readonly code = 'CHAOS.UNSUPPORTED_TOGGLE';
  readonly kind = 'validation' as const;
  constructor(service: ServiceName, toggles: string[], supported: string[]) {
    super(`The ${service} service does not support ${toggles.join(', ')}`, { toggles, supported });
  }
}

/** The admin endpoints need `Authorization: Bearer <ADMIN_TOKEN>`. */
export class AdminAuthError extends AppError {
  constructor(
    readonly code: 'ADMIN.UNAUTHENTICATED' | 'ADMIN.FORBIDDEN',
    readonly kind: 'unauthorized' | 'forbidden',
    message: string,
  ) {
    super(message);
  }
}
