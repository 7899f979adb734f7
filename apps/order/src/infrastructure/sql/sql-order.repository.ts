import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import { outboxInsert, OutboxEntry, parseTraceparent, PG_POOL, Queryable } from '@ordermesh/platform';
import { Pool } from 'pg';
import { Order } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';
import {
  HistoryEntry,
  IdempotencyClaim,
  OrderPage,
  OrderRepository,
  OrderTimelineSource,
  PlaceResult,
  RecordedHistoryEntry,
} from '../../application/ports/order.repository.port';
import { ORDER_COLUMNS, OrderRow, snapshotFromRow } from './order-rows';

/** Concurrent modification of the same order: the transaction is retried by the caller (consumer retry). */
export class StaleOrderError extends Error {
  readonly code = '40001'; // treated like a serialization failure: safe to run the whole transaction again
}

/**
 * Orders in plain SQL on the service's pg pool. The write paths are one statement where possible: placing an
 * order is a single data-modifying CTE (order + lines + outbox + history), the cheapest way to commit it.
 */
@Injectable()
export class SqlOrderRepository implements OrderRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async place(
    order: Order,
    placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry,
    claim: IdempotencyClaim | null,
  ): Promise<PlaceResult> {
    const s = order.snapshot();
    const trace = parseTraceparent(placed.trace?.traceparent);
    const units = s.lines.reduce((n, l) => n + l.quantity, 0);
    const values: unknown[] = [
      s.id,
      s.customerId,
      claim?.key ?? null,
      claim?.requestHash ?? null,
      placed.correlationId,
      s.createdAt,
      s.lines.map((_, i) => i + 1),
      s.lines.map((l) => l.sku),
      s.lines.map((l) => l.quantity),
      placed.eventId,
      JSON.stringify({ lines: s.lines.length, units }),
      trace?.traceId ?? null,
      trace?.spanId ?? null,
    ];
    const outbox = outboxInsert('order', [placed], values.length + 1, 'EXISTS (SELECT 1 FROM o)');
    values.push(...outbox.values);
    const sql = `
      WITH o AS (
        INSERT INTO orders (id, customer_id, status, idempotency_key, request_hash, correlation_id, created_at, updated_at)
        VALUES ($1, $2, 'PENDING', $3, $4, $5, $6, $6)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
      ), l AS (
        INSERT INTO order_lines (order_id, line_no, sku, quantity)
        SELECT o.id, x.line_no, x.sku, x.quantity FROM o, unnest($7::int[], $8::text[], $9::int[]) AS x(line_no, sku, quantity)
      ), h AS (
        INSERT INTO order_history (order_id, event_id, event_type, producer, status_after, detail, occurred_at, trace_id, span_id, recorded_at)
        SELECT o.id, $10, 'OrderPlaced', 'order', 'PENDING', $11::jsonb, $6, $12, $13, clock_timestamp() FROM o
      ), ob AS (
        ${outbox.text}
      )
      SELECT (SELECT id FROM o) AS inserted`;
    const { rows } = await this.pool.query<{ inserted: string | null }>(sql, values);
    if (rows[0]!.inserted) return { inserted: true };
    // Lost the race for the key (or a replay): read the winner in a new statement, whose snapshot includes it.
    const existing = await this.pool.query<{ id: string; request_hash: string | null }>(
      'SELECT id, request_hash FROM orders WHERE idempotency_key = $1',
      [claim?.key],
    );
    const winner = existing.rows[0];
    if (!winner) throw new Error('order insert conflicted without an existing order');
    return { inserted: false, existing: { orderId: winner.id, requestHash: winner.request_hash } };
  }

  async findById(id: string): Promise<Order | null> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1`,
      [id],
    );
    return rows[0] ? Order.restore(snapshotFromRow(rows[0])) : null;
  }

  async lockById(tx: Queryable, id: string): Promise<Order | null> {
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1 FOR UPDATE`,
      [id],
    );
    return rows[0] ? Order.restore(snapshotFromRow(rows[0])) : null;
  }

  /** One statement: the versioned UPDATE, priced lines, outbox rows and history, all conditional on the update. */
  async save(
    tx: Queryable,
    order: Order,
    outbox: OutboxEntry[],
    history: HistoryEntry[],
    linesPriced: boolean,
  ): Promise<void> {
    const s = order.snapshot();
    const terminal = s.status === 'CANCELLED' || s.status === 'FULFILLED';
    const values: unknown[] = [
      s.id,
      s.status,
      s.totalAmount,
      s.currency,
      s.cancellationReason,
      s.reservationId,
      s.paymentId,
      s.fulfillmentRequestedAt,
      s.stockCommittedAt,
      s.paymentCapturedAt,
      terminal,
      s.updatedAt,
      s.version,
    ];
    const ctes = [
      `u AS (
        UPDATE orders SET status = $2, total_amount = $3, currency = $4, cancellation_reason = $5, reservation_id = $6,
          payment_id = $7, fulfillment_requested_at = $8, stock_committed_at = $9, payment_captured_at = $10,
          terminal_at = CASE WHEN $11::boolean THEN coalesce(terminal_at, $12) ELSE NULL END,
          updated_at = $12, version = version + 1
        WHERE id = $1 AND version = $13
        RETURNING id)`,
    ];
    if (linesPriced) {
      const p = values.length;
      values.push(
        s.lines.map((l) => l.sku),
        s.lines.map((l) => l.unitPrice?.amount ?? null),
        s.lines.map((l) => l.unitPrice?.currency ?? null),
      );
      ctes.push(`l AS (
        UPDATE order_lines l SET unit_price_amount = x.amount, currency = x.currency
          FROM u, unnest($${p + 1}::text[], $${p + 2}::bigint[], $${p + 3}::text[]) AS x(sku, amount, currency)
         WHERE l.order_id = u.id AND l.sku = x.sku)`);
    }
    if (outbox.length) {
      const insert = outboxInsert('order', outbox, values.length + 1, 'EXISTS (SELECT 1 FROM u)');
      values.push(...insert.values);
      ctes.push(`ob AS (${insert.text})`);
    }
    if (history.length) {
      const h = this.historyInsert(history, values.length + 1, 'u');
      values.push(...h.values);
      ctes.push(`h AS (${h.text})`);
    }
    const { rows } = await tx.query<{ updated: number }>(
      `WITH ${ctes.join(', ')} SELECT count(*)::int AS updated FROM u`,
      values,
    );
    if (rows[0]!.updated !== 1) throw new StaleOrderError(`order ${s.id} changed concurrently`);
  }

  async appendHistory(tx: Queryable, orderId: string, history: HistoryEntry[]): Promise<void> {
    if (!history.length) return;
    const h = this.historyInsert(history, 2, null);
    await tx.query(h.text, [orderId, ...h.values]);
  }

  /**
   * INSERT of history lines, its arrays numbered from `first`. The order id is `$1`, or the id of the CTE named by
   * `updated` (the lines are then written only if that update matched). recorded_at is the time of the write, not
   * the transaction's start (now()): it never precedes the occurredAt of the events this transaction raised.
   */
  private historyInsert(
    history: HistoryEntry[],
    first: number,
    updated: string | null,
  ): { text: string; values: unknown[] } {
    const n = (i: number) => `$${first + i}`;
    return {
      text: `INSERT INTO order_history (order_id, event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id, recorded_at)
       SELECT ${updated ? `${updated}.id` : '$1'}, x.event_id, x.event_type, x.producer, x.causation_id, x.status_after::"OrderStatus", x.detail, x.occurred_at, x.trace_id, x.span_id, clock_timestamp()
         FROM ${updated ? `${updated}, ` : ''}unnest(${n(0)}::uuid[], ${n(1)}::text[], ${n(2)}::text[], ${n(3)}::uuid[], ${n(4)}::text[], ${n(5)}::jsonb[], ${n(6)}::timestamptz[], ${n(7)}::text[], ${n(8)}::text[])
           AS x(event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id)
       ON CONFLICT (order_id, event_id) DO NOTHING`,
      values: [
        history.map((h) => h.eventId),
        history.map((h) => h.eventType),
        history.map((h) => h.producer),
        history.map((h) => h.causationId),
        history.map((h) => h.statusAfter),
        history.map((h) => JSON.stringify(h.detail)),
        history.map((h) => h.occurredAt),
        history.map((h) => h.traceId),
        history.map((h) => h.spanId),
      ],
    };
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
  async placementSpan(tx: Queryable, orderId: string): Promise<{ traceId: string; spanId: string } | null> {
    const { rows } = await tx.query<{ trace_id: string | null; span_id: string | null }>(
      `SELECT trace_id, span_id FROM order_history WHERE order_id = $1 AND event_type = 'OrderPlaced' LIMIT 1`,
      [orderId],
    );
    const r = rows[0];
    return r?.trace_id && r.span_id ? { traceId: r.trace_id, spanId: r.span_id } : null;
  }

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
