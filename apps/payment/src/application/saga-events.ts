import { PayloadOf } from '@ordermesh/contracts';
import type { NewEvent } from '@ordermesh/platform';
import { Payment } from '../domain/payment';

export type PaymentEventType =
  'PaymentAuthorized' | 'PaymentDeclined' | 'PaymentVoided' | 'PaymentCaptured' | 'PaymentRefunded';

/** A payment event as the unit of work publishes it: keyed by its order, so one order's events stay in order. */
export function paymentEvent<T extends PaymentEventType>(type: T, payload: PayloadOf<T>): NewEvent<T> {
  return { type, aggregateId: payload.orderId, payload };
}

/** `{ orderId, paymentId, amount }`, the payload of every money-moving payment event. */
export function moneyPayload(
  payment: Payment,
  amount: number,
): { orderId: string; paymentId: string; amount: { amount: number; currency: string } } {
  return { orderId: payment.orderId, paymentId: payment.id, amount: { amount, currency: payment.currency } };
}
