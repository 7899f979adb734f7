import type { EnvelopeOf, EventEnvelope } from '@ordermesh/contracts';
import { parseTraceparent } from '@ordermesh/platform';
import type { OutboxEntry, Queryable } from '@ordermesh/platform';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';

export const ORDER_REPOSITORY = Symbol('ORDER_REPOSITORY');

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
}

export type PlaceResult =
  { inserted: true } | { inserted: false; existing: { orderId: string; requestHash: string | null } };

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

/** A history line as read back, with the time this service recorded it. */
export interface RecordedHistoryEntry extends HistoryEntry {
  recordedAt: string;
}

/** What the timeline of one order is built from, read in one query. */
export interface OrderTimelineSource {
  orderId: string;
  correlationId: string | null;
  status: OrderStatus;
  cancellationReason: string | null;
  createdAt: string;
  history: RecordedHistoryEntry[];
}

/**
 * An event with the trace context it travelled with: for events this service produces, the outbox entry's `trace`
 * (set by buildEnvelope); for consumed ones, the message's `traceparent` header.
 */
export type TracedEnvelope<E extends EventEnvelope = EventEnvelope> = E & {
  trace?: { traceparent?: string; tracestate?: string };
};

export interface OrderPage {
  items: OrderSnapshot[];
  nextCursor: string | null;
}

export interface OrderRepository {
  /**
   * Inserts the order, its lines, its OrderPlaced outbox row and history in ONE statement. With an idempotency
   * claim, an existing order under the same key wins and is returned instead.
   */
  place(
    order: Order,
    placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry,
    claim: IdempotencyClaim | null,
  ): Promise<PlaceResult>;
  findById(id: string): Promise<Order | null>;
  /** Loads and row-locks the order inside `tx` (saga reactions and commands serialise per order). */
  lockById(tx: Queryable, id: string): Promise<Order | null>;
  /** Persists the new state (optimistic version check), its outbox events and history lines, inside `tx`. */
  save(
    tx: Queryable,
    order: Order,
    outbox: OutboxEntry[],
    history: HistoryEntry[],
    linesPriced: boolean,
  ): Promise<void>;
  /** The span that placed the order (recorded with OrderPlaced), so later commands continue the saga's trace. */
  placementSpan(tx: Queryable, orderId: string): Promise<{ traceId: string; spanId: string } | null>;
  /** Records history only (an event that changed nothing in the order but belongs to its story). */
  appendHistory(tx: Queryable, orderId: string, history: HistoryEntry[]): Promise<void>;
  /**
   * Runs `fn` (a consumed run of saga events) with the run's orders locked and loaded together, in id order, and
   * writes every change it saved back with one statement before returning: `lockById`, `save` and `appendHistory`
   * on `tx` inside `fn` work on that in-memory set. Same outcome as the per-event path, two statements per run.
   */
  withinRun<T>(tx: Queryable, orderIds: string[], fn: () => Promise<T>): Promise<T>;
  history(orderId: string): Promise<HistoryEntry[]>;
  /** The order's status and every history line, in one indexed read; null for an unknown order. */
  timeline(orderId: string): Promise<OrderTimelineSource | null>;
  list(
    filter: { customerId?: string; status?: OrderStatus },
    limit: number,
    cursor: string | null,
  ): Promise<OrderPage>;
}

export function historyOf(
  envelope: TracedEnvelope,
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
