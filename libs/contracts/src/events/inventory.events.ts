import { z } from 'zod';
import { isoTimestamp, money, sku, uuid } from '../envelope';

export const pricedLine = z.object({ sku, quantity: z.number().int().min(1), unitPrice: money });

export const StockReserved = {
  type: 'StockReserved',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({
    orderId: uuid,
    customerId: uuid,
    reservationId: uuid,
    lines: z.array(pricedLine).min(1),
    total: money,
    expiresAt: isoTimestamp,
  }),
} as const;

export const RESERVATION_FAILURE_REASONS = ['OUT_OF_STOCK', 'UNKNOWN_SKU', 'MIXED_CURRENCY'] as const;

export const StockReservationFailed = {
  type: 'StockReservationFailed',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, reason: z.enum(RESERVATION_FAILURE_REASONS), skus: z.array(sku) }),
} as const;

export const StockReleased = {
  type: 'StockReleased',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, reservationId: uuid, reason: z.enum(['ORDER_CANCELLED', 'EXPIRED']) }),
} as const;

/** The reservation's time ran out before the order was confirmed; its stock is released in the same step. */
export const ReservationExpired = {
  type: 'ReservationExpired',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, reservationId: uuid }),
} as const;

export const StockCommitted = {
  type: 'StockCommitted',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, reservationId: uuid }),
} as const;

/**
 * The payment for a HELD reservation was authorized in time: the reservation no longer expires. Expiry and
 * confirmation are decided in one row-locked transaction, so exactly one of ReservationExpired and
 * ReservationConfirmed is ever published for a reservation — the order confirms on this event, never on the
 * authorization alone, so it is never CONFIRMED without stock held.
 */
export const ReservationConfirmed = {
  type: 'ReservationConfirmed',
  topic: 'inventory.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, reservationId: uuid, paymentId: uuid }),
} as const;
