import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';
import type { HistoryEntry } from '../shared/order-history';

export const ORDER_QUERIES = Symbol('ORDER_QUERIES');

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

export interface OrderPage {
  items: OrderSnapshot[];
  nextCursor: string | null;
}

/** The read side: committed state, outside any unit of work. */
export interface OrderQueries {
  findById(id: string): Promise<Order | null>;
  history(orderId: string): Promise<HistoryEntry[]>;
  /** The order's status and every history line, in one indexed read; null for an unknown order. */
  timeline(orderId: string): Promise<OrderTimelineSource | null>;
  list(
    filter: { customerId?: string; status?: OrderStatus },
    limit: number,
    cursor: string | null,
  ): Promise<OrderPage>;
  /** The span that placed the order (recorded with OrderPlaced), so later commands continue the saga's trace. */
  placementSpan(orderId: string): Promise<{ traceId: string; spanId: string } | null>;
}
