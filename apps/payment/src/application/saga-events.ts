import { EnvelopeOf, EventType, PayloadOf } from '@ordermesh/contracts';
import { buildEnvelope, OutboxEntry } from '@ordermesh/platform';
import { Payment } from '../domain/payment';

export type PaymentEventType =
  'PaymentAuthorized' | 'PaymentDeclined' | 'PaymentVoided' | 'PaymentCaptured' | 'PaymentRefunded';

/** A payment event caused by `cause`: same saga (correlation id), keyed by the order id. */
export function paymentEvent<T extends PaymentEventType>(
  type: T,
  payload: PayloadOf<T>,
  cause: EnvelopeOf<EventType>,
  now: Date,
): OutboxEntry {
  return buildEnvelope(
    'payment',
    type,
    payload.orderId,
    payload,
    { correlationId: cause.correlationId, causationId: cause.eventId },
    now,
  );
}

/** `{ orderId, paymentId, amount }`, the payload of every money-moving payment event. */
export function moneyPayload(
  payment: Payment,
  amount: number,
): { orderId: string; paymentId: string; amount: { amount: number; currency: string } } {
  return { orderId: payment.orderId, paymentId: payment.id, amount: { amount, currency: payment.currency } };
}
