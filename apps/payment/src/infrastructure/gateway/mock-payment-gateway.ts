import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeclineReason } from '../../domain/payment';
import {
  AuthorizationRequest,
  AuthorizationResult,
  GatewayRequestError,
  PaymentGateway,
} from '../../domain/payment-gateway';

/**
 * Test customers with a fixed answer, whatever the amount. Every other customer is approved up to the limit.
 */
export const MOCK_GATEWAY_CUSTOMERS = {
  insufficientFunds: '00000000-0000-4000-8000-000000000402',
  cardBlocked: '00000000-0000-4000-8000-000000000403',
  fraudSuspected: '00000000-0000-4000-8000-000000000666',
} as const;

const DECLINED_CUSTOMERS: ReadonlyMap<string, DeclineReason> = new Map([
  [MOCK_GATEWAY_CUSTOMERS.insufficientFunds, 'INSUFFICIENT_FUNDS'],
  [MOCK_GATEWAY_CUSTOMERS.cardBlocked, 'CARD_BLOCKED'],
  [MOCK_GATEWAY_CUSTOMERS.fraudSuspected, 'FRAUD_SUSPECTED'],
]);

const REF_PATTERN = /^mock_auth_[0-9a-f]{32}$/;

export interface MockGatewayOptions {
  /** Authorizations above this amount (minor units) are declined INSUFFICIENT_FUNDS. */
  authorizationLimit: number;
  /** Simulated network latency of every call. */
  latencyMs: number;
}

/**
 * Deterministic stand-in for a card gateway. Decisions:
 * - customer 00000000-0000-4000-8000-000000000402 → declined INSUFFICIENT_FUNDS
 * - customer 00000000-0000-4000-8000-000000000403 → declined CARD_BLOCKED
 * - customer 00000000-0000-4000-8000-000000000666 → declined FRAUD_SUSPECTED
 * - amount above `authorizationLimit` → declined INSUFFICIENT_FUNDS
 * - otherwise approved, with a reference derived from the idempotency key.
 *
 * Stateless and idempotent: the same key always yields the same reference (as a real gateway's idempotency key does),
 * and void/capture/refund of a well-formed reference always succeed, so repeating any call is harmless.
 */
export class MockPaymentGateway implements PaymentGateway {
  constructor(private readonly opts: MockGatewayOptions) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    await this.latency();
    if (!Number.isSafeInteger(request.amount) || request.amount < 0) {
      throw new GatewayRequestError(`amount must be integer minor units, got ${request.amount}`);
    }
    const reason = DECLINED_CUSTOMERS.get(request.customerId);
    if (reason) return { approved: false, reason };
    if (request.amount > this.opts.authorizationLimit)
      return { approved: false, reason: 'INSUFFICIENT_FUNDS' };
    return { approved: true, ref: mockAuthorizationRef(request.idempotencyKey) };
  }

  async void(ref: string): Promise<void> {
    await this.latency();
    checkRef(ref);
  }

  async capture(ref: string, amount: number): Promise<void> {
    await this.latency();
    checkRef(ref);
    checkAmount(amount);
  }

  async refund(ref: string, amount: number): Promise<void> {
    await this.latency();
    checkRef(ref);
    checkAmount(amount);
  }

  private async latency(): Promise<void> {
    if (this.opts.latencyMs > 0) await sleep(this.opts.latencyMs);
  }
}

/** The reference the mock returns for an idempotency key. */
export function mockAuthorizationRef(idempotencyKey: string): string {
  return `mock_auth_${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;
}

function checkRef(ref: string): void {
  if (!REF_PATTERN.test(ref)) throw new GatewayRequestError(`unknown authorization ${ref}`);
}

function checkAmount(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new GatewayRequestError(`amount must be integer minor units, got ${amount}`);
}
