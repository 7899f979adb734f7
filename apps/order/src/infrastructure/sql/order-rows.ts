import type { CancellationReason } from '@ordermesh/contracts';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';

/** Columns of `orders` as pg returns them (BIGINT as string). */
export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: string | null;
  currency: string | null;
  cancellation_reason: string | null;
  reservation_id: string | null;
  payment_id: string | null;
  correlation_id: string | null;
  fulfillment_requested_at: Date | null;
  stock_committed_at: Date | null;
  payment_captured_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
  lines: { sku: string; quantity: number; unit_price_amount: string | null; currency: string | null }[];
}

export const ORDER_COLUMNS = `o.id, o.customer_id, o.status, o.total_amount, o.currency, o.cancellation_reason, o.reservation_id,
  o.payment_id, o.correlation_id, o.fulfillment_requested_at, o.stock_committed_at, o.payment_captured_at, o.version, o.created_at, o.updated_at,
  (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unit_price_amount', l.unit_price_amount::text,
     'currency', l.currency) ORDER BY l.line_no) FROM order_lines l WHERE l.order_id = o.id) AS lines`;

export function snapshotFromRow(r: OrderRow): OrderSnapshot {
  return {
    id: r.id,
    customerId: r.customer_id,
    status: r.status,
    lines: (r.lines ?? []).map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPrice:
        l.unit_price_amount !== null && l.currency
          ? { amount: Number(l.unit_price_amount), currency: l.currency }
          : null,
    })),
    totalAmount: r.total_amount === null ? null : Number(r.total_amount),
    currency: r.currency,
    cancellationReason: r.cancellation_reason as CancellationReason | null,
    reservationId: r.reservation_id,
    paymentId: r.payment_id,
    correlationId: r.correlation_id,
    fulfillmentRequestedAt: r.fulfillment_requested_at,
    stockCommittedAt: r.stock_committed_at,
    paymentCapturedAt: r.payment_captured_at,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
