import { randomUUID } from 'node:crypto';
import {
  EnvelopeOf,
  EVENTS,
  EventEnvelope,
  EventType,
  HEADERS,
  PayloadOf,
  ServiceName,
} from '@ordermesh/contracts';
import { activeTraceCarrier } from '../observability/propagation';

/**
 * What links an event to its cause: the saga's correlation id, the event it reacts to, and the trace — by default the
 * active span (the HTTP request or the consumed event being handled), so the saga stays one trace.
 */
export interface EventContext {
  correlationId: string;
  causationId: string | null;
  traceparent?: string;
  tracestate?: string;
}

export class ContractBreachError extends Error {
  readonly code = 'CONTRACT.PRODUCER_BREACH';
}

/**
 * Builds an event envelope, validating the payload against the published schema: a service must never emit what
 * its consumers would dead-letter.
 */
export function buildEnvelope<T extends EventType>(
  producer: ServiceName,
  type: T,
  aggregateId: string,
  payload: PayloadOf<T>,
  ctx: EventContext,
  now: Date = new Date(),
): EnvelopeOf<T> & { trace: { traceparent?: string; tracestate?: string } } {
  const contract = EVENTS[type];
  const parsed = contract.payload.safeParse(payload);
  if (!parsed.success) {
    throw new ContractBreachError(
      `${type} payload breaks its contract: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`,
    );
  }
  return {
    eventId: randomUUID(),
    eventType: type,
    schemaVersion: contract.schemaVersion,
    occurredAt: now.toISOString(),
    aggregateId,
    producer,
    correlationId: ctx.correlationId,
    causationId: ctx.causationId,
    payload,
    trace: ctx.traceparent
      ? { traceparent: ctx.traceparent, tracestate: ctx.tracestate }
      : activeTraceCarrier(),
  };
}

export function headersFor(
  envelope: EventEnvelope,
  trace: { traceparent?: string; tracestate?: string } = {},
): Record<string, string> {
  const h: Record<string, string> = {
    [HEADERS.eventId]: envelope.eventId,
    [HEADERS.eventType]: envelope.eventType,
    [HEADERS.schemaVersion]: String(envelope.schemaVersion),
    [HEADERS.occurredAt]: envelope.occurredAt,
    [HEADERS.correlationId]: envelope.correlationId,
    [HEADERS.producer]: envelope.producer,
  };
  if (envelope.causationId) h[HEADERS.causationId] = envelope.causationId;
  if (trace.traceparent) h[HEADERS.traceparent] = trace.traceparent;
  if (trace.tracestate) h[HEADERS.tracestate] = trace.tracestate;
  return h;
}
