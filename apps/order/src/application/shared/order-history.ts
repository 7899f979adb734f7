import type { EventEnvelope } from '@ordermesh/contracts';
import { parseTraceparent } from '@ordermesh/platform';
import type { OutboxEntry, TracedEnvelope } from '@ordermesh/platform';
import { OrderStatus } from '../../domain/order-status';

/** One line of an order's history: an event it published or reacted to, and its status afterwards. */
export interface HistoryEntry {
  eventId: string;
  eventType: string;
  producer: string;
  causationId: string | null;
  statusAfter: OrderStatus;
  detail: Record<string, unknown>;
  occurredAt: string;
  /** From the event's W3C traceparent; null when it travelled without one. */
  traceId: string | null;
  spanId: string | null;
}

export function historyOf(
  envelope: TracedEnvelope<EventEnvelope>,
  statusAfter: OrderStatus,
  detail: Record<string, unknown> = {},
): HistoryEntry {
  const trace = parseTraceparent(envelope.trace?.traceparent);
  return {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    producer: envelope.producer,
    causationId: envelope.causationId,
    statusAfter,
    detail,
    occurredAt: envelope.occurredAt,
    traceId: trace?.traceId ?? null,
    spanId: trace?.spanId ?? null,
  };
}

/** History of an event this service publishes: its payload is the detail (the order id is the row's own). */
export function historyOfPublished(entry: OutboxEntry, statusAfter: OrderStatus): HistoryEntry {
  const { orderId: _orderId, ...detail } = (entry.payload ?? {}) as Record<string, unknown>;
  return historyOf(entry, statusAfter, detail);
}
