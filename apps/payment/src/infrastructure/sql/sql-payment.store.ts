import { Injectable } from '@nestjs/common';
import { RunStates } from '@ordermesh/platform';
import { Payment, PaymentStatus } from '../../domain/payment';
import { PaymentStore, Tx } from '../../application/ports/payment-store.port';
import { PaymentRun } from './payment-run';

/** First key of the two-key advisory locks on order ids (its own space: the relay's lease uses a one-key lock). */
const ORDER_LOCK_SPACE = 710_103;

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
 * The saga's hot path in plain SQL on the event processor's transaction (the Prisma model API costs several times
 * the CPU per transaction; Prisma serves the HTTP read path).
 */
@Injectable()
export class SqlPaymentStore implements PaymentStore {
  private readonly runs = new RunStates<PaymentRun>();

  async withinRun<T>(tx: Tx, orderIds: string[], fn: () => Promise<T>): Promise<T> {
    const run = await PaymentRun.open(tx, orderIds, ORDER_LOCK_SPACE, (row) =>
      toPayment(row as unknown as PaymentRow),
    );
    return this.runs.within(tx, run, fn, (r) => r.flush(tx));
  }

  async lockOrder(tx: Tx, orderId: string): Promise<void> {
    // Inside a run every order of the run is locked already (PaymentRun.open).
    if (this.runs.of(tx)) return;
    await tx.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2::text))', [ORDER_LOCK_SPACE, orderId]);
  }

  async authorizationBlocker(tx: Tx, orderId: string): Promise<'ORDER_CANCELLED' | 'PAYMENT_EXISTS' | null> {
    const run = this.runs.of(tx);
    if (run) return run.authorizationBlocker(orderId);
    const { rows } = await tx.query<{ cancelled: boolean; paid: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM order_cancellations WHERE order_id = $1::uuid) AS cancelled,
              EXISTS (SELECT 1 FROM payments WHERE order_id = $1::uuid) AS paid`,
      [orderId],
    );
    const row = rows[0];
    if (row?.cancelled) return 'ORDER_CANCELLED';
    if (row?.paid) return 'PAYMENT_EXISTS';
    return null;
  }

  async recordCancellation(tx: Tx, orderId: string, reason: string): Promise<void> {
    const run = this.runs.of(tx);
    if (run) return run.recordCancellation(orderId, reason);
    await tx.query(
      'INSERT INTO order_cancellations (order_id, reason) VALUES ($1::uuid, $2) ON CONFLICT (order_id) DO NOTHING',
      [orderId, reason],
    );
  }

  async findByOrderIdForUpdate(tx: Tx, orderId: string): Promise<Payment | null> {
    const run = this.runs.of(tx);
    if (run) return run.paymentOf(orderId);
    const { rows } = await tx.query<PaymentRow>(
      `SELECT id, order_id, customer_id, amount, currency, status, decline_reason, gateway_ref, captured_amount, refunded_amount,
              created_at, updated_at
         FROM payments WHERE order_id = $1::uuid FOR UPDATE`,
      [orderId],
    );
    const row = rows[0];
    return row ? toPayment(row) : null;
  }

  async insert(tx: Tx, payment: Payment): Promise<void> {
    const run = this.runs.of(tx);
    if (run) return run.insert(payment);
    const p = payment.snapshot();
    await tx.query(
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, status, decline_reason, gateway_ref, captured_amount,
                             refunded_amount, created_at, updated_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, $4::bigint, $5, $6::"PaymentStatus", $7, $8, $9::bigint, $10::bigint, $11, $12)`,
      [
        p.id,
        p.orderId,
        p.customerId,
        p.amount,
        p.currency,
        p.status,
        p.declineReason,
        p.gatewayRef,
        p.capturedAmount,
        p.refundedAmount,
        p.createdAt,
        p.updatedAt,
      ],
    );
  }

  async update(tx: Tx, payment: Payment): Promise<void> {
    const run = this.runs.of(tx);
    if (run) return run.update(payment);
    const p = payment.snapshot();
    const { rowCount } = await tx.query(
      `UPDATE payments SET status = $2::"PaymentStatus", captured_amount = $3::bigint, refunded_amount = $4::bigint, updated_at = $5
        WHERE id = $1::uuid`,
      [p.id, p.status, p.capturedAmount, p.refundedAmount, p.updatedAt],
    );
    if (rowCount !== 1) throw new Error(`payment ${p.id} not found for update`);
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
