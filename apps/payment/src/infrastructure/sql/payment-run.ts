import { Payment } from '../../domain/payment';
import type { Tx } from '../../application/ports/payment-store.port';

/** Raised when a run's writes do not land as planned: the run rolls back and is replayed event by event. */
export class PaymentRunConflictError extends Error {
  readonly code = '40001';
}

/**
 * A consumed run of payment events worked in memory: the run's orders are locked (their advisory locks, in one global
 * order) and their cancellations and payments read up front; the reactions read and change that state through the
 * store; `flush` writes the new cancellations, new payments and changed payments with one statement.
 */
export class PaymentRun {
  private readonly cancelled = new Set<string>();
  private readonly newCancellations = new Map<string, string>();
  private readonly payments = new Map<string, { payment: Payment; created: boolean; changed: boolean }>();

  static async open(
    tx: Tx,
    orderIds: string[],
    lockSpace: number,
    toPayment: (row: Record<string, unknown>) => Payment,
  ): Promise<PaymentRun> {
    const run = new PaymentRun();
    const ids = [...new Set(orderIds)];
    // Advisory locks in ascending key order, the one order every multi-order locker follows (single-order paths hold
    // one lock at a time), so runs on different partitions cannot deadlock on them.
    await tx.query(
      `SELECT pg_advisory_xact_lock($1::int, k)
         FROM (SELECT DISTINCT hashtext(id) AS k FROM unnest($2::text[]) AS id ORDER BY 1) AS keys`,
      [lockSpace, ids],
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
    for (const row of rows) {
      if (row.kind === 'cancelled') run.cancelled.add(row.order_id);
      else {
        // json_build_object renders timestamps as text: back to Dates, as the per-event path reads them.
        const p = row.payment as Record<string, unknown>;
        const payment = toPayment({
          ...p,
          created_at: new Date(p['created_at'] as string),
          updated_at: new Date(p['updated_at'] as string),
        });
        run.payments.set(row.order_id, { payment, created: false, changed: false });
      }
    }
    return run;
  }

  authorizationBlocker(orderId: string): 'ORDER_CANCELLED' | 'PAYMENT_EXISTS' | null {
    if (this.cancelled.has(orderId)) return 'ORDER_CANCELLED';
    if (this.payments.has(orderId)) return 'PAYMENT_EXISTS';
    return null;
  }

  recordCancellation(orderId: string, reason: string): void {
    if (this.cancelled.has(orderId)) return;
    this.cancelled.add(orderId);
    this.newCancellations.set(orderId, reason);
  }

  paymentOf(orderId: string): Payment | null {
    return this.payments.get(orderId)?.payment ?? null;
  }

  insert(payment: Payment): void {
    if (this.payments.has(payment.orderId)) {
      // The database's unique order_id would refuse it too; the run is replayed event by event.
      throw new PaymentRunConflictError(`order ${payment.orderId} already has a payment`);
    }
    this.payments.set(payment.orderId, { payment, created: true, changed: false });
  }

  update(payment: Payment): void {
    const entry = this.payments.get(payment.orderId);
    if (!entry || entry.payment !== payment)
      throw new Error(`payment ${payment.id} was not loaded by this run`);
    entry.changed = true;
  }

  /** One statement; its join also filters payments by `= ANY(ids)` so the generic plan probes the primary key. */
  async flush(tx: Tx): Promise<void> {
    const entries = [...this.payments.values()];
    const created = entries.filter((e) => e.created).map((e) => e.payment.snapshot());
    const changed = entries.filter((e) => e.changed && !e.created).map((e) => e.payment.snapshot());
    const cancellations = [...this.newCancellations];
    if (!created.length && !changed.length && !cancellations.length) return;
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
       )
       SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM upd)::int AS updated`,
      [
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
      ],
    );
    if (rows[0]!.inserted !== created.length || rows[0]!.updated !== changed.length) {
      throw new PaymentRunConflictError(
        `run flush: inserted ${rows[0]!.inserted}/${created.length}, updated ${rows[0]!.updated}/${changed.length}`,
      );
    }
  }
}
