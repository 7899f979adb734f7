import { z } from 'zod';
import { envelopeMeta, EventEnvelope, ServiceName, Topic, TOPICS } from './envelope';
import * as inventory from './events/inventory.events';
import * as order from './events/order.events';
import * as payment from './events/payment.events';

export interface EventContract<TType extends string = string, TPayload extends z.ZodType = z.ZodType> {
  readonly type: TType;
  readonly topic: Topic;
  readonly schemaVersion: number;
  readonly payload: TPayload;
}

const isContract = (v: unknown): v is EventContract =>
  typeof v === 'object' && v !== null && 'type' in v && 'payload' in v && 'schemaVersion' in v;

/** Every published event, by type. A consumer accepts only what is in here, at the listed schema version. */
export const CONTRACTS = Object.fromEntries(
  [order, inventory, payment].flatMap((m) => Object.values(m).filter(isContract)).map((c) => [c.type, c]),
) as Record<string, EventContract>;

export const EVENTS = {
  OrderPlaced: order.OrderPlaced,
  OrderConfirmed: order.OrderConfirmed,
  OrderCancelled: order.OrderCancelled,
  OrderFulfillmentRequested: order.OrderFulfillmentRequested,
  OrderFulfilled: order.OrderFulfilled,
  StockReserved: inventory.StockReserved,
  StockReservationFailed: inventory.StockReservationFailed,
  StockReleased: inventory.StockReleased,
  ReservationExpired: inventory.ReservationExpired,
  ReservationConfirmed: inventory.ReservationConfirmed,
  StockCommitted: inventory.StockCommitted,
  PaymentAuthorized: payment.PaymentAuthorized,
  PaymentDeclined: payment.PaymentDeclined,
  PaymentVoided: payment.PaymentVoided,
  PaymentCaptured: payment.PaymentCaptured,
  PaymentRefunded: payment.PaymentRefunded,
} as const;

export type EventType = keyof typeof EVENTS;
export type PayloadOf<T extends EventType> = z.infer<(typeof EVENTS)[T]['payload']>;
export type EnvelopeOf<T extends EventType> = EventEnvelope<T, PayloadOf<T>>;

export const producerOf = (topic: string): ServiceName | undefined =>
  (Object.entries(TOPICS) as [ServiceName, string][]).find(([, t]) => t === topic)?.[0];

/** Why a message was refused; becomes the `dlq-reason` header when it is dead-lettered. */
export type ContractViolation =
  | { code: 'CONTRACT.MALFORMED'; message: string }
  | { code: 'CONTRACT.UNKNOWN_EVENT'; message: string }
  | { code: 'CONTRACT.UNSUPPORTED_VERSION'; message: string }
  | { code: 'CONTRACT.INVALID_PAYLOAD'; message: string };

export type ParseResult = { ok: true; envelope: EventEnvelope } | { ok: false; violation: ContractViolation };

/** Validates a raw message value (bytes or parsed JSON) against the envelope and its event's schema. */
export function parseEnvelope(raw: Buffer | string | unknown): ParseResult {
  let value: unknown = raw;
  if (Buffer.isBuffer(raw) || typeof raw === 'string') {
    try {
      value = JSON.parse(raw.toString());
    } catch {
      return { ok: false, violation: { code: 'CONTRACT.MALFORMED', message: 'value is not JSON' } };
    }
  }
  const meta = envelopeMeta.safeParse(value);
  if (!meta.success) {
    return {
      ok: false,
      violation: { code: 'CONTRACT.MALFORMED', message: `envelope: ${summarize(meta.error)}` },
    };
  }
  const contract = CONTRACTS[meta.data.eventType];
  if (!contract) {
    return {
      ok: false,
      violation: { code: 'CONTRACT.UNKNOWN_EVENT', message: `unknown event type ${meta.data.eventType}` },
    };
  }
  if (meta.data.schemaVersion !== contract.schemaVersion) {
    return {
      ok: false,
      violation: {
        code: 'CONTRACT.UNSUPPORTED_VERSION',
        message: `${contract.type} v${meta.data.schemaVersion} is not supported (v${contract.schemaVersion} is)`,
      },
    };
  }
  const payload = contract.payload.safeParse((value as { payload?: unknown }).payload);
  if (!payload.success) {
    return {
      ok: false,
      violation: {
        code: 'CONTRACT.INVALID_PAYLOAD',
        message: `${contract.type}: ${summarize(payload.error)}`,
      },
    };
  }
  return { ok: true, envelope: { ...meta.data, producer: meta.data.producer, payload: payload.data } };
}

function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
