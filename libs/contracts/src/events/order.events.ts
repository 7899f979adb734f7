import { z } from 'zod';
import { isoTimestamp, money, sku, uuid } from '../envelope';

export const CANCELLATION_REASONS = [
  'OUT_OF_STOCK',
  'UNKNOWN_SKU',
  'PAYMENT_DECLINED',
  'CUSTOMER_REQUEST',
  'EXPIRED',
] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

export const orderLine = z.object({ sku, quantity: z.number().int().min(1).max(10_000) });

/**
 * When the order was placed (its OrderPlaced occurredAt), on the events that end a saga stage: lets metrics measure
 * the saga's duration from the published event alone. Optional and additive (schemaVersion unchanged): payload
 * schemas strip unknown keys, so consumers built before it accept it, and events built before it still validate.
 */
const placedAt = isoTimestamp.optional();

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
  payload: z.object({ orderId: uuid, total: money, paymentId: uuid, placedAt }),
} as const;

export const OrderCancelled = {
  type: 'OrderCancelled',
  topic: 'order.events',
  schemaVersion: 1,
  payload: z.object({
    orderId: uuid,
    reason: z.enum(CANCELLATION_REASONS),
    previousStatus: z.enum(['PENDING', 'CONFIRMED']),
    placedAt,
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
  payload: z.object({ orderId: uuid, placedAt }),
} as const;
