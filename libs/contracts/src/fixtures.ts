import { EnvelopeOf, EventType, PayloadOf, EVENTS } from './registry';
import { ServiceName, TOPICS } from './envelope';

/**
 * One valid example of every event, used by producer tests (what we emit validates) and consumer tests (what we
 * accept is handled). Ids are fixed so fixtures compose into one saga.
 */
export const FIXTURE_IDS = {
  orderId: '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001',
  customerId: '9b2d7c10-1e4f-4a6b-8c2d-3e4f5a6b7c01',
  reservationId: '5a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c01',
  paymentId: '7c6d5e4f-3a2b-4c1d-8e0f-9a8b7c6d5e01',
} as const;

const { orderId, customerId, reservationId, paymentId } = FIXTURE_IDS;
const total = { amount: 2598, currency: 'EUR' };
const placedAt = '2030-01-01T00:00:00.000Z';

export const FIXTURE_PAYLOADS: { [T in EventType]: PayloadOf<T> } = {
  OrderPlaced: { orderId, customerId, lines: [{ sku: 'MUG-RED', quantity: 2 }] },
  OrderConfirmed: { orderId, total, paymentId, placedAt },
  OrderCancelled: { orderId, reason: 'PAYMENT_DECLINED', previousStatus: 'PENDING', placedAt },
  OrderFulfillmentRequested: { orderId },
  OrderFulfilled: { orderId, placedAt },
  StockReserved: {
    orderId,
    customerId,
    reservationId,
    lines: [{ sku: 'MUG-RED', quantity: 2, unitPrice: { amount: 1299, currency: 'EUR' } }],
    total,
    expiresAt: '2030-01-01T00:15:00.000Z',
  },
  StockReservationFailed: { orderId, reason: 'OUT_OF_STOCK', skus: ['MUG-RED'] },
  StockReleased: { orderId, reservationId, reason: 'ORDER_CANCELLED' },
  ReservationExpired: { orderId, reservationId },
  ReservationConfirmed: { orderId, reservationId, paymentId },
  StockCommitted: { orderId, reservationId },
  PaymentAuthorized: { orderId, paymentId, amount: total },
  PaymentDeclined: { orderId, paymentId, reason: 'INSUFFICIENT_FUNDS' },
  PaymentVoided: { orderId, paymentId, amount: total },
  PaymentCaptured: { orderId, paymentId, amount: total },
  PaymentRefunded: { orderId, paymentId, amount: total },
};

let counter = 0;
/** A fixture envelope with a fresh event id (so one fixture can be delivered as distinct events). */
export function fixtureEnvelope<T extends EventType>(
  type: T,
  overrides: Partial<EnvelopeOf<T>> = {},
): EnvelopeOf<T> {
  const contract = EVENTS[type];
  const producer = (Object.keys(TOPICS) as ServiceName[]).find((s) => TOPICS[s] === contract.topic)!;
  counter++;
  return {
    eventId: `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`,
    eventType: type,
    schemaVersion: contract.schemaVersion,
    occurredAt: '2030-01-01T00:00:00.000Z',
    aggregateId: orderId,
    producer,
    correlationId: 'fixture-correlation',
    causationId: null,
    payload: FIXTURE_PAYLOADS[type],
    ...overrides,
  };
}
