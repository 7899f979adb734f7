import { Injectable } from '@nestjs/common';
import {
  Cause,
  EventPublisher,
  NewEvent,
  OutboxEntry,
  outboxInsert,
  OutboxRows,
  Queryable,
  UnitOfWorkStore,
} from '@ordermesh/platform';
import { Payment, PaymentStatus } from '../../domain/payment';
import type {
  AuthorizationBlocker,
  PaymentUnitOfWork,
} from '../../application/ports/payment-unit-of-work.port';

/** First key of the two-key advisory locks on order ids (its own space: the relay's lease uses a one-key lock). */
const ORDER_LOCK_SPACE = 710_103;

/** The unit's writes did not land as planned (a bug, since its orders were locked): it rolls back and is retried. */
export class PaymentWriteConflictError extends Error {
  readonly code = '40001'; // treated like a serialization failure: safe to run the whole transaction again
}

/** The claimed orders' cancellations and payments, as loaded, and what the unit's reactions changed. */
export class PaymentRun implements PaymentUnitOfWork {
  readonly cancelled = new Set<string>();
  readonly newCancellations = new Map<string, string>();
  readonly payments = new Map<string, { payment: Payment; created: boolean; changed: boolean }>();

  constructor(
    private readonly claimed: ReadonlySet<string>,
    private readonly events: EventPublisher,
  ) {}

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    return this.events.publish(cause, events, now);
  }

  authorizationBlocker(orderId: string): AuthorizationBlocker | null {
    this.assertClaimed(orderId);
    if (this.cancelled.has(orderId)) return 'ORDER_CANCELLED';
    if (this.payments.has(orderId)) return 'PAYMENT_EXISTS';
    return null;
  }

  recordCancellation(orderId: string, reason: string): void {
    this.assertClaimed(orderId);
    if (this.cancelled.has(orderId)) return;
    this.cancelled.add(orderId);
    this.newCancellations.set(orderId, reason);
  }

  paymentOf(orderId: string): Payment | null {
    this.assertClaimed(orderId);
    return this.payments.get(orderId)?.payment ?? null;
  }

  add(payment: Payment): void {
    this.assertClaimed(payment.orderId);
    // One payment per order (the database's unique order_id too): adding a second is a reaction's bug.
    if (this.payments.has(payment.orderId)) throw new Error(`order ${payment.orderId} already has a payment`);
    this.payments.set(payment.orderId, { payment, created: true, changed: false });
  }

  update(payment: Payment): void {
    const entry = this.payments.get(payment.orderId);
    if (!entry || entry.payment !== payment)
      throw new Error(`payment ${payment.id} was not loaded by this unit of work`);
    entry.changed = true;
  }

  /** Reading or writing an order the unit did not lock would race with other units. */
  private assertClaimed(orderId: string): void {
    if (!this.claimed.has(orderId)) throw new Error(`order ${orderId} was not claimed by this unit of work`);
  }
}

interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  decline_reason: string | null;
  gateway_ref: string | null;
  captured_amount: string;
  refunded_amount: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * The payment service's unit of work in plain SQL (the Prisma model API costs several times the CPU per transaction;
 * Prisma serves the HTTP read path): one statement locks the claimed orders, one loads their cancellations and
 * payments, one writes every change back with the outbox rows — for one event or a run of hundreds.
 */
@Injectable()
export class SqlPaymentUnitOfWork implements UnitOfWorkStore<PaymentRun, string> {
  async open(tx: Queryable, orderIds: readonly string[], events: EventPublisher): Promise<PaymentRun> {
    const ids = [...new Set(orderIds)];
    // Advisory locks in ascending key order, the one order every unit follows, so units on different partitions and
    // topics touching the same orders wait for each other instead of deadlocking. The lock is on the order id, not a
    // row: it also covers an order that has no payment or cancellation yet.
    await tx.query(
      `SELECT pg_advisory_xact_lock($1::int, k)
         FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($2::text[]) AS id ORDER BY 1) AS keys`,
      [ORDER_LOCK_SPACE, ids],
    );
    const { rows } = await tx.query<{ order_id: string; kind: 'cancelled' | 'payment'; payment: unknown }>(
      `SELECT order_id::text, 'cancelled' AS kind, NULL::json AS payment
         FROM order_cancellations WHERE order_id = ANY($1::uuid[])
       UNION ALL
       SELECT order_id::text, 'payment', json_build_object(
                'id', id, 'order_id', order_id, 'customer_id', customer_id, 'amount', amount::text, 'currency', currency,
                'status', status, 'decline_reason', decline_reason, 'gateway_ref', gateway_ref,
                'captured_amount', captured_amount::text, 'refunded_amount', refunded_amount::text,
                'created_at', created_at, 'updated_at', updated_at)
         FROM (SELECT * FROM payments WHERE order_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) AS p`,
      [ids],
    );
    const run = new PaymentRun(new Set(ids), events);
    for (const row of rows) {
      if (row.kind === 'cancelled') run.cancelled.add(row.order_id);
      else {
        // json_build_object renders timestamps as text: back to Dates.
        const p = row.payment as PaymentRow;
        const payment = toPayment({
          ...p,
          created_at: new Date(p.created_at),
          updated_at: new Date(p.updated_at),
        });
        run.payments.set(row.order_id, { payment, created: false, changed: false });
      }
    }
    return run;
  }

  /**
   * The unit's writes as ONE statement: new cancellation tombstones, new payments, changed payments, and the outbox
   * rows in publish order. The update's join also filters payments by `= ANY(ids)` so the generic plan of the
   * prepared statement probes the primary key.
   */
  async flush(tx: Queryable, run: PaymentRun, outboxRows: OutboxRows): Promise<void> {
    const outboxed = outboxRows.take();
    const entries = [...run.payments.values()];
    const created = entries.filter((e) => e.created).map((e) => e.payment.snapshot());
    const changed = entries.filter((e) => e.changed && !e.created).map((e) => e.payment.snapshot());
    const cancellations = [...run.newCancellations];
    if (!created.length && !changed.length && !cancellations.length && !outboxed.entries.length) return;
    const values: unknown[] = [
      cancellations.map(([orderId]) => orderId),
      cancellations.map(([, reason]) => reason),
      created.map((p) => p.id),
      created.map((p) => p.orderId),
      created.map((p) => p.customerId),
      created.map((p) => p.amount),
      created.map((p) => p.currency),
      created.map((p) => p.status),
      created.map((p) => p.declineReason),
      created.map((p) => p.gatewayRef),
      created.map((p) => p.capturedAmount),
      created.map((p) => p.refundedAmount),
      created.map((p) => p.createdAt),
      created.map((p) => p.updatedAt),
      changed.map((p) => p.id),
      changed.map((p) => p.status),
      changed.map((p) => p.capturedAmount),
      changed.map((p) => p.refundedAmount),
      changed.map((p) => p.updatedAt),
    ];
    const outbox = outboxInsert(outboxed.aggregateType, outboxed.entries, values.length + 1);
    values.push(...outbox.values);
    const { rows } = await tx.query<{ inserted: number; updated: number }>(
      `WITH c AS (
         INSERT INTO order_cancellations (order_id, reason)
         SELECT * FROM unnest($1::uuid[], $2::text[])
         ON CONFLICT (order_id) DO NOTHING
       ), ins AS (
         INSERT INTO payments (id, order_id, customer_id, amount, currency, status, decline_reason, gateway_ref,
                               captured_amount, refunded_amount, created_at, updated_at)
         SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::bigint[], $7::text[], $8::"PaymentStatus"[],
                              $9::text[], $10::text[], $11::bigint[], $12::bigint[], $13::timestamptz[], $14::timestamptz[])
         RETURNING id
       ), upd AS (
         UPDATE payments p SET status = u.status, captured_amount = u.captured, refunded_amount = u.refunded,
                updated_at = u.updated_at
           FROM unnest($15::uuid[], $16::"PaymentStatus"[], $17::bigint[], $18::bigint[], $19::timestamptz[])
             AS u(id, status, captured, refunded, updated_at)
          WHERE p.id = ANY($15::uuid[]) AND p.id = u.id
         RETURNING p.id
       ), ob AS (${outbox.text})
       SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM upd)::int AS updated`,
      values,
    );
    // The orders were locked when the unit opened, so a mismatch means a bug, not a race; the unit rolls back.
    if (rows[0]!.inserted !== created.length || rows[0]!.updated !== changed.length) {
      throw new PaymentWriteConflictError(
        `unit of work flush: inserted ${rows[0]!.inserted}/${created.length}, updated ${rows[0]!.updated}/${changed.length}`,
      );
    }
  }
}

function toPayment(row: PaymentRow): Payment {
  return Payment.restore({
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    amount: minorUnits(row.amount),
    currency: row.currency,
    status: row.status,
    declineReason: row.decline_reason,
    gatewayRef: row.gateway_ref,
    capturedAmount: minorUnits(row.captured_amount),
    refundedAmount: minorUnits(row.refunded_amount),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/** BIGINT arrives as a string; every amount we write is a safe integer, so this only guards against foreign rows. */
function minorUnits(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`amount ${value} is not a safe integer`);
  return n;
}
