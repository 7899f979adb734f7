import { randomUUID } from 'node:crypto';
import { Cause, NewEvent, OutboxEntry, RunOutbox } from '@ordermesh/platform';
import { Payment } from '../../domain/payment';
import { AuthorizationRequest, AuthorizationResult, PaymentGateway } from '../../domain/payment-gateway';
import type { AuthorizationBlocker, PaymentUnitOfWork } from '../ports/payment-unit-of-work.port';

/**
 * The payment unit of work in memory, for reaction specs: the orders' cancellations and payments as if loaded, what
 * the reaction recorded, added and updated, and the events it published (built and validated against their
 * contracts by the platform's RunOutbox).
 */
export class FakePaymentWork implements PaymentUnitOfWork {
  readonly cancellations = new Map<string, string>();
  readonly added: Payment[] = [];
  readonly updated: Payment[] = [];
  readonly published: OutboxEntry[] = [];
  private readonly outbox = new RunOutbox('payment', 'payment');
  private readonly payments = new Map<string, Payment>();

  constructor(state: { payments?: Payment[]; cancelled?: Record<string, string> } = {}) {
    for (const p of state.payments ?? []) this.payments.set(p.orderId, p);
    for (const [orderId, reason] of Object.entries(state.cancelled ?? {}))
      this.cancellations.set(orderId, reason);
  }

  authorizationBlocker(orderId: string): AuthorizationBlocker | null {
    if (this.cancellations.has(orderId)) return 'ORDER_CANCELLED';
    if (this.payments.has(orderId)) return 'PAYMENT_EXISTS';
    return null;
  }

  recordCancellation(orderId: string, reason: string): void {
    if (!this.cancellations.has(orderId)) this.cancellations.set(orderId, reason);
  }

  paymentOf(orderId: string): Payment | null {
    return this.payments.get(orderId) ?? null;
  }

  add(payment: Payment): void {
    if (this.payments.has(payment.orderId)) throw new Error(`order ${payment.orderId} already has a payment`);
    this.payments.set(payment.orderId, payment);
    this.added.push(payment);
  }

  update(payment: Payment): void {
    if (this.payments.get(payment.orderId) !== payment)
      throw new Error(`payment ${payment.id} was not loaded`);
    this.updated.push(payment);
  }

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    const built = this.outbox.publish(cause, events, now);
    this.published.push(...built);
    return built;
  }
}

/** A gateway that answers as scripted and records every call; `failWith` makes the next calls throw it. */
export class FakeGateway implements PaymentGateway {
  readonly calls: string[] = [];
  failWith: Error | null = null;

  constructor(private readonly answer: AuthorizationResult = { approved: true, ref: 'auth-1' }) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    this.record(`authorize:${request.idempotencyKey}:${request.amount} ${request.currency}`);
    return this.answer;
  }

  async void(ref: string): Promise<void> {
    this.record(`void:${ref}`);
  }

  async capture(ref: string, amount: number): Promise<void> {
    this.record(`capture:${ref}:${amount}`);
  }

  async refund(ref: string, amount: number): Promise<void> {
    this.record(`refund:${ref}:${amount}`);
  }

  private record(call: string): void {
    this.calls.push(call);
    if (this.failWith) throw this.failWith;
  }
}

export const T0 = new Date('2030-01-01T00:00:00.000Z');
export const T1 = new Date('2030-01-01T00:05:00.000Z');
export const clockAt = (now: Date = T1) => ({ now: () => now });

/** A payment of 2500 EUR for `orderId` in the given state, built through the domain's own transitions. */
export function paymentIn(
  status: 'AUTHORIZED' | 'DECLINED' | 'VOIDED' | 'CAPTURED' | 'REFUNDED',
  orderId: string = randomUUID(),
): Payment {
  const base = {
    id: randomUUID(),
    orderId,
    customerId: randomUUID(),
    amount: 2500,
    currency: 'EUR',
    now: T0,
  };
  if (status === 'DECLINED') return Payment.decline({ ...base, reason: 'CARD_BLOCKED' });
  const payment = Payment.authorize({ ...base, gatewayRef: `ref-${orderId}` });
  if (status === 'VOIDED') payment.void(T0);
  if (status === 'CAPTURED' || status === 'REFUNDED') payment.capture(T0);
  if (status === 'REFUNDED') payment.refund(T0);
  return payment;
}
