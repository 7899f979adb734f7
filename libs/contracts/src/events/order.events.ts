import { z } from 'zod';
import { money, sku, uuid } from '../envelope';

export const CANCELLATION_REASONS = [
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'PAYMENT_DECLINED',
  'CUSTOMER_REQUEST',
  'EXPIRED',
] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export const orderLine = z.object({ sku, quantity: z.number().int().min(1).max(10_000) });

export const OrderPlaced = {
  type: 'OrderPlaced',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, customerId: uuid, lines: z.array(orderLine).min(1).max(100) }),
} as const;

export const OrderConfirmed = {
  type: 'OrderConfirmed',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid, total: money, paymentId: uuid }),
} as const;

export const OrderCancelled = {
  type: 'OrderCancelled',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({
    orderId: uuid,
    reason: z.enum(CANCELLATION_REASONS),
    previousStatus: z.enum(['PENDING', 'CONFIRMED']),
  }),
} as const;

/** The customer asked to fulfil a CONFIRMED order: inventory commits stock, payment captures. */
export const OrderFulfillmentRequested = {
  type: 'OrderFulfillmentRequested',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid }),
} as const;

export const OrderFulfilled = {
  type: 'OrderFulfilled',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({ orderId: uuid }),
} as const;
