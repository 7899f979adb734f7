import { setTimeout as sleep } from 'node:timers/promises';
import { DECLINE_REASONS, DeclineReason } from '../../domain/payment';
import { AuthorizationRequest, AuthorizationResult, PaymentGateway } from '../../domain/payment-gateway';

/** The decisions the chaos toggles make per gateway call (ChaosService provides them). */
export interface GatewayFaults {
  gatewayDelayMs(): number;
  gatewayFails(): boolean;
  gatewayDecline<T>(reasons: readonly T[]): T | null;
}

/** What an injected technical failure looks like: the gateway could not answer (a 5xx or a dropped connection). */
export class SimulatedGatewayOutage extends Error {}

/**
 * Fault injection around the (mock) gateway, driven by the chaos toggles: latency and jitter on every call, technical
 * failures on any call, declines (with a genuine decline reason) on authorizations. Sits inside the circuit breaker,
 * so injected failures and slowness are what the breaker sees.
 */
export class ChaosPaymentGateway implements PaymentGateway {
  constructor(
    private readonly inner: PaymentGateway,
    private readonly faults: GatewayFaults,
  ) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    await this.before('authorize');
    const reason = this.faults.gatewayDecline<DeclineReason>(DECLINE_REASONS);
    if (reason) return { approved: false, reason };
    return this.inner.authorize(request);
  }

  async void(ref: string): Promise<void> {
    await this.before('void');
    return this.inner.void(ref);
  }

  async capture(ref: string, amount: number): Promise<void> {
    await this.before('capture');
    return this.inner.capture(ref, amount);
  }

  async refund(ref: string, amount: number): Promise<void> {
    await this.before('refund');
    return this.inner.refund(ref, amount);
  }

  private async before(operation: string): Promise<void> {
    const delay = this.faults.gatewayDelayMs();
    if (delay > 0) await sleep(delay);
    if (this.faults.gatewayFails()) throw new SimulatedGatewayOutage(`gateway ${operation}: 503 (chaos)`);
  }
}
