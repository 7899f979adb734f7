import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ChaosService, Metrics } from '@ordermesh/platform';
import { Counter, Gauge } from 'prom-client';
import { AuthorizationRequest, AuthorizationResult, PaymentGateway } from '../../domain/payment-gateway';
import { ChaosPaymentGateway } from './chaos-payment-gateway';
import {
  BreakerObserver,
  BreakerSettings,
  CIRCUIT_STATE_VALUE,
  CircuitBreakerPaymentGateway,
} from './circuit-breaker-payment-gateway';
import { MockGatewayOptions, MockPaymentGateway } from './mock-payment-gateway';

/** Breaker state and events on the service's registry (payment is the only service with a gateway). */
export function breakerMetrics(metrics: Metrics | null): BreakerObserver {
  if (!metrics) return {};
  const registers = [metrics.registry];
  const state = new Gauge({
    name: 'ordermesh_payment_gateway_circuit_state',
    help: 'Payment gateway circuit breaker: 0 closed, 1 half-open, 2 open',
    registers,
  });
  const events = new Counter({
    name: 'ordermesh_payment_gateway_breaker_events_total',
    help: 'Payment gateway circuit breaker events (success, failure, timeout, reject, open, half_open, close)',
    labelNames: ['event'],
    registers,
  });
  return {
    state: (s) => state.set(CIRCUIT_STATE_VALUE[s]),
    event: (e) => events.inc({ event: e }),
  };
}

/**
 * The gateway the payment handlers use: mock → chaos faults (only when chaos is enabled) → circuit breaker. Chaos sits
 * inside the breaker so that injected outages and latency trip it exactly as real ones would.
 */
@Injectable()
export class BreakerGuardedPaymentGateway implements PaymentGateway, OnApplicationShutdown {
  private readonly gateway: CircuitBreakerPaymentGateway;

  constructor(
    mock: MockGatewayOptions,
    breaker: BreakerSettings,
    metrics: Metrics | null,
    chaos: ChaosService | null,
  ) {
    const mockGateway = new MockPaymentGateway(mock);
    const inner = chaos ? new ChaosPaymentGateway(mockGateway, chaos) : mockGateway;
    this.gateway = new CircuitBreakerPaymentGateway(inner, breaker, breakerMetrics(metrics));
  }

  get state() {
    return this.gateway.state;
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    return this.gateway.authorize(request);
  }

  void(ref: string): Promise<void> {
    return this.gateway.void(ref);
  }

  capture(ref: string, amount: number): Promise<void> {
    return this.gateway.capture(ref, amount);
  }

  refund(ref: string, amount: number): Promise<void> {
    return this.gateway.refund(ref, amount);
  }

  onApplicationShutdown(): void {
    this.gateway.shutdown();
  }
}
