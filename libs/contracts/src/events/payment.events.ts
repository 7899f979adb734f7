import { z } from 'zod';
import { money, uuid } from '../envelope';

export const PaymentAuthorized = {
  type: 'PaymentAuthorized',
  topic: 'payment.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, paymentId: uuid, amount: money }),
} as const;

export const DECLINE_REASONS = [
  'INSUFFICIENT_FUNDS',
  'CARD_BLOCKED',
  'FRAUD_SUSPECTED',
  'RESERVATION_GONE',
] as const;

export const PaymentDeclined = {
  type: 'PaymentDeclined',
  topic: 'payment.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, paymentId: uuid, reason: z.enum(DECLINE_REASONS) }),
} as const;

export const PaymentVoided = {
  type: 'PaymentVoided',
  topic: 'payment.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, paymentId: uuid, amount: money }),
} as const;

export const PaymentCaptured = {
  type: 'PaymentCaptured',
  topic: 'payment.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, paymentId: uuid, amount: money }),
} as const;

export const PaymentRefunded = {
  type: 'PaymentRefunded',
  topic: 'payment.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, paymentId: uuid, amount: money }),
} as const;
