import { z } from 'zod';

/** The services that publish events; each owns exactly one topic. */
export const SERVICE_NAMES = ['order', 'inventory', 'payment'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const TOPICS = {
  order: 'order.events',
  inventory: 'inventory.events',
  payment: 'payment.events',
} as const satisfies Record<ServiceName, string>;
export type Topic = (typeof TOPICS)[ServiceName];

export const dlqTopic = (topic: string): string => `${topic}.dlq`;

/**
 * Kafka headers every event carries. They mirror the envelope so routing, dead-lettering and inspection work
 * without parsing the value; the value (JSON) is the source of truth.
 */
export const HEADERS = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  occurredAt: 'occurred-at',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  producer: 'producer',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
export const sku = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
export const money = z.object({
  amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type Money = z.infer<typeof money>;
export const isoTimestamp = z.iso.datetime({ offset: true });

/** Fields of every event besides its payload. The message key is always `aggregateId` (the order id). */
export const envelopeMeta = z.object({
  eventId: uuid,
  eventType: z.string().min(1),
  schemaVersion: z.number().int().positive(),
  occurredAt: isoTimestamp,
  aggregateId: uuid,
  producer: z.enum(SERVICE_NAMES),
  correlationId: z.string().min(1).max(128),
  causationId: uuid.nullable(),
});

export interface EventEnvelope<TType extends string = string, TPayload = unknown> {
  eventId: string;
  eventType: TType;
  schemaVersion: number;
  occurredAt: string;
  aggregateId: string;
  producer: ServiceName;
  correlationId: string;
  /** The eventId of the event this one reacts to; null for events caused by a user request or a timer. */
  causationId: string | null;
  payload: TPayload;
}
