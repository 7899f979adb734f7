import type { EventPublisher } from '@ordermesh/platform';
import { Payment } from '../../domain/payment';

/** Why no authorization may be attempted for an order. */
export type AuthorizationBlocker = 'ORDER_CANCELLED' | 'PAYMENT_EXISTS';

/**
 * One unit of work on payments, as the saga reactions see it. A claim is an order id: when the unit opens, everything
 * the service does for its claimed orders is serialized until it commits (StockReserved and OrderCancelled come from
 * different topics and may be handled at the same moment; without that a cancellation could look for the payment
 * before a concurrent authorization commits it, and the hold would never be voided), and their cancellations and
 * payments are loaded. What the reactions change is written, with the events they publish, when the unit commits.
 */
export interface PaymentUnitOfWork extends EventPublisher {
  /** Why no authorization may be attempted for the (claimed) order, if any. */
  authorizationBlocker(orderId: string): AuthorizationBlocker | null;
  /** Remembers that the order is cancelled (idempotent: the first reason stays). */
  recordCancellation(orderId: string, reason: string): void;
  /** The claimed order's payment, if it has one (loaded row-locked, or added in this unit). */
  paymentOf(orderId: string): Payment | null;
  /** A new payment; its order must have none (check `authorizationBlocker` first). */
  add(payment: Payment): void;
  /** Marks a payment from `paymentOf` as changed, to be written when the unit commits. */
  update(payment: Payment): void;
}
