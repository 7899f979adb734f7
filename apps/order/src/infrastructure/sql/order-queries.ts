import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@ordermesh/platform';
import { Pool } from 'pg';
import { Order } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';
import {
  OrderPage,
  OrderQueries,
  OrderTimelineSource,
  RecordedHistoryEntry,
} from '../../application/ports/order-queries.port';
import type { HistoryEntry } from '../../application/shared/order-history';
import { ORDER_COLUMNS, OrderRow, snapshotFromRow } from './order-rows';

/** The read side in plain SQL on the service's pool: committed state, no locks. */
@Injectable()
export class SqlOrderQueries implements OrderQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async findById(id: string): Promise<Order | null> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1`,
      [id],
    );
    return rows[0] ? Order.restore(snapshotFromRow(rows[0])) : null;
  }

  async placementSpan(orderId: string): Promise<{ traceId: string; spanId: string } | null> {
    const { rows } = await this.pool.query<{ trace_id: string | null; span_id: string | null }>(
      `SELECT trace_id, span_id FROM order_history WHERE order_id = $1 AND event_type = 'OrderPlaced' LIMIT 1`,
      [orderId],
    );
    const r = rows[0];
    return r?.trace_id && r.span_id ? { traceId: r.trace_id, spanId: r.span_id } : null;
  }

  async history(orderId: string): Promise<HistoryEntry[]> {
    const { rows } = await this.pool.query<HistoryRow>(
      `SELECT ${HISTORY_COLUMNS} FROM order_history h WHERE h.order_id = $1 ORDER BY h.id`,
      [orderId],
    );
    return rows.map((r) => {
      const { recordedAt: _recordedAt, ...entry } = historyFromRow(r);
      return entry;
    });
  }

  /** One statement on the primary key and the (order_id, id) index: the order row and its history as JSON. */
  async timeline(orderId: string): Promise<OrderTimelineSource | null> {
    const { rows } = await this.pool.query<{
      id: string;
      correlation_id: string | null;
      status: OrderStatus;
      cancellation_reason: string | null;
      created_at: Date;
      history: HistoryRow[] | null;
    }>(
      `SELECT o.id, o.correlation_id, o.status, o.cancellation_reason, o.created_at,
              (SELECT json_agg(json_build_object(${HISTORY_JSON}) ORDER BY h.id)
                 FROM order_history h WHERE h.order_id = o.id) AS history
         FROM orders o WHERE o.id = $1`,
      [orderId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      orderId: r.id,
      correlationId: r.correlation_id,
      status: r.status,
      cancellationReason: r.cancellation_reason,
      createdAt: r.created_at.toISOString(),
      history: (r.history ?? []).map(historyFromRow),
    };
  }

  async list(
    filter: { customerId?: string; status?: OrderStatus },
    limit: number,
    cursor: string | null,
  ): Promise<OrderPage> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.customerId) {
      values.push(filter.customerId);
      where.push(`o.customer_id = $${values.length}`);
    }
    if (filter.status) {
      values.push(filter.status);
      where.push(`o.status = $${values.length}::"OrderStatus"`);
    }
    const after = cursor ? decodeCursor(cursor) : null;
    if (after) {
      values.push(after.createdAt, after.id);
      where.push(`(o.created_at, o.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(limit + 1);
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
        ORDER BY o.created_at DESC, o.id DESC LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, limit).map(snapshotFromRow);
    const last = page[page.length - 1];
    return {
      items: page,
      nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
    };
  }
}

/** Keyset cursor: (created_at, id) of the last order of the page, opaque to clients. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } | null {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/.test(id)) return null;
  return { createdAt, id };
}

/** A history row, from a plain SELECT (timestamps as Date) or from json_build_object (timestamps as text). */
interface HistoryRow {
  event_id: string;
  event_type: string;
  producer: string;
  causation_id: string | null;
  status_after: OrderStatus;
  detail: Record<string, unknown>;
  occurred_at: Date | string;
  recorded_at: Date | string;
  trace_id: string | null;
  span_id: string | null;
}

const HISTORY_FIELDS = [
  'event_id',
  'event_type',
  'producer',
  'causation_id',
  'status_after',
  'detail',
  'occurred_at',
  'recorded_at',
  'trace_id',
  'span_id',
] as const;
const HISTORY_COLUMNS = HISTORY_FIELDS.map((f) => `h.${f}`).join(', ');
const HISTORY_JSON = HISTORY_FIELDS.map((f) => `'${f}', h.${f}`).join(', ');

const iso = (t: Date | string): string => new Date(t).toISOString();

function historyFromRow(r: HistoryRow): RecordedHistoryEntry {
  return {
    eventId: r.event_id,
    eventType: r.event_type,
    producer: r.producer,
    causationId: r.causation_id,
    statusAfter: r.status_after,
    detail: r.detail,
    occurredAt: iso(r.occurred_at),
    recordedAt: iso(r.recorded_at),
    traceId: r.trace_id,
    spanId: r.span_id,
  };
}
