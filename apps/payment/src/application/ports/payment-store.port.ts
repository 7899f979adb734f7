import type { Queryable } from '@ordermesh/platform';
import { Payment } from '../../domain/payment';

export const PAYMENT_STORE = Symbol('PAYMENT_STORE');

/** The transaction a saga reaction runs in (the event processor's inbox transaction). */
export type Tx = Queryable;

/**
 * The payment tables on the caller's transaction, for the saga reactions. Every method runs on `tx`, so the
 * effect, the inbox row and the outbox rows commit or roll back together.
 */
export interface PaymentStore {
  /**
   * Serializes everything the service does for one order until `tx` ends. StockReserved and OrderCancelled come
   * from different topics and may be handled at the same moment; without this a cancellation could look for the
   * payment before a concurrent authorization commits it, and the hold would never be voided.
   */
  lockOrder(tx: Tx, orderId: string): Promise<void>;
  /** Why no authorization may be attempted for the order, if any. */
  authorizationBlocker(tx: Tx, orderId: string): Promise<'ORDER_CANCELLED' | 'PAYMENT_EXISTS' | null>;
  /** Remembers that the order is cancelled (idempotent: the first reason stays). */
  recordCancellation(tx: Tx, orderId: string, reason: string): Promise<void>;
  /** The order's payment, row-locked until `tx` ends. */
  findByOrderIdForUpdate(tx: Tx, orderId: string): Promise<Payment | null>;
  insert(tx: Tx, payment: Payment): Promise<void>;
  /** Writes the payment's status and amounts. */
  update(tx: Tx, payment: Payment): Promise<void>;
  /**
   * Runs `fn` (a consumed run of events) with the run's orders locked and their cancellations and payments read up
   * front; the methods above work on that state for `tx` inside `fn`, and what changed is written with one statement
   * before this returns. Same outcome as the per-event path.
   */
  withinRun<T>(tx: Tx, orderIds: string[], fn: () => Promise<T>): Promise<T>;
}
