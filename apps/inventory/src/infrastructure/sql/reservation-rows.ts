import { Reservation, ReservationStatus } from '../../domain/reservation';

/** A `reservations` row as pg returns it, and its mapping to the aggregate. */
export interface ReservationRow {
  id: string;
  order_id: string;
  status: ReservationStatus;
  expires_at: Date;
  payment_id: string | null;
  correlation_id: string | null;
  trace_parent: string | null;
}

export const RESERVATION_COLUMNS =
  'id, order_id, status, expires_at, payment_id, correlation_id, trace_parent';

export function toReservation(row: ReservationRow): Reservation {
  return Reservation.rehydrate({
    id: row.id,
    orderId: row.order_id,
    status: row.status,
    expiresAt: row.expires_at,
    paymentId: row.payment_id,
    correlationId: row.correlation_id,
    traceparent: row.trace_parent,
  });
}
