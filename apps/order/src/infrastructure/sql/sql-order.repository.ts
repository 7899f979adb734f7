import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import {
  isConnectionError,
  outboxInsert,
  OutboxEntry,
  parseTraceparent,
  PG_POOL,
  Queryable,
  RunStates,
  WriteCoalescer,
  WriteCoalescerOptions,
  WriteCoalescerStats,
} from '@ordermesh/platform';
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
/** A consumed run in progress: its orders as loaded (and locked), and the writes saved so far, in call order. */
interface RunState {
  orders: Map<string, { order: Order; loadedVersion: number }>;
  /** saves: how many times the run saved the order (its version advances by that much, as with one write each). */
  changed: Map<string, { order: Order; loadedVersion: number; linesPriced: boolean; saves: number }>;
  outbox: OutboxEntry[];
  history: { orderId: string; entry: HistoryEntry }[];
}

/** One POST /orders waiting to be written. */
interface Placement {
  order: Order;
  placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry;
  claim: IdempotencyClaim | null;
}

export const PLACEMENT_BATCHING = Symbol('PLACEMENT_BATCHING');
/** Placements written at once with coalescing off: each order is its own statement, as many at a time as the pool has. */
const ONE_BY_ONE: WriteCoalescerOptions = { maxBatch: 1, maxInFlight: 1_000 };

@Injectable()
export class SqlOrderRepository implements OrderRepository {
  private readonly runs = new RunStates<RunState>();
  /** Concurrent placements share statements and commits (ADR 0010). */
  private readonly placements: WriteCoalescer<Placement, boolean>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(PLACEMENT_BATCHING) batching: WriteCoalescerOptions = ONE_BY_ONE,
  ) {
    // A lost connection would fail each order alone just the same: only other errors are worth isolating.
    this.placements = new WriteCoalescer((batch) => this.placeMany(batch), {
      ...batching,
      isolate: (err) => !isConnectionError(err),
    });
  }

  async place(
    order: Order,
    placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry,
    claim: IdempotencyClaim | null,
  ): Promise<PlaceResult> {
    const inserted = await this.placements.submit({ order, placed, claim });
    if (inserted) return { inserted: true };
    // Lost the race for the key (or a replay): read the winner in a new statement, whose snapshot includes it.
    const existing = await this.pool.query<{ id: string; request_hash: string | null }>(
      'SELECT id, request_hash FROM orders WHERE idempotency_key = $1',
      [claim?.key],
    );
    const winner = existing.rows[0];
    if (!winner) throw new Error('order insert conflicted without an existing order');
    return { inserted: false, existing: { orderId: winner.id, requestHash: winner.request_hash } };
  }

  /** How the placements so far were batched (for tests and the benchmark's figures). */
  placementStats(): WriteCoalescerStats {
    return this.placements.stats();
  }

  /**
   * Places many orders with one statement (autocommit: one commit for all): orders, lines, OrderPlaced history and
   * outbox rows, each order's rows only if its own insert happened (an Idempotency-Key already taken inserts
   * nothing for that order). Returns, per placement in order, whether its order was inserted.
   */
  private async placeMany(placements: Placement[]): Promise<boolean[]> {
    const o = {
      ids: [] as string[],
      customers: [] as string[],
      keys: [] as (string | null)[],
      hashes: [] as (string | null)[],
      correlations: [] as string[],
      createdAt: [] as string[],
      eventIds: [] as string[],
      details: [] as string[],
      traceIds: [] as (string | null)[],
      spanIds: [] as (string | null)[],
    };
    const l = {
      orderIds: [] as string[],
      lineNos: [] as number[],
      skus: [] as string[],
      quantities: [] as number[],
    };
    for (const { order, placed, claim } of placements) {
      const s = order.snapshot();
      const trace = parseTraceparent(placed.trace?.traceparent);
      o.ids.push(s.id);
      o.customers.push(s.customerId);
      o.keys.push(claim?.key ?? null);
      o.hashes.push(claim?.requestHash ?? null);
      o.correlations.push(placed.correlationId);
      o.createdAt.push(s.createdAt.toISOString());
      o.eventIds.push(placed.eventId);
      o.details.push(
        JSON.stringify({ lines: s.lines.length, units: s.lines.reduce((n, x) => n + x.quantity, 0) }),
      );
      o.traceIds.push(trace?.traceId ?? null);
      o.spanIds.push(trace?.spanId ?? null);
      s.lines.forEach((line, i) => {
        l.orderIds.push(s.id);
        l.lineNos.push(i + 1);
        l.skus.push(line.sku);
        l.quantities.push(line.quantity);
      });
    }
    const values: unknown[] = [...Object.values(o), ...Object.values(l)];
    const outbox = outboxInsert(
      'order',
      placements.map((p) => p.placed),
      values.length + 1,
      'EXISTS (SELECT 1 FROM o WHERE o.id = v.aggregate_id::uuid)',
    );
    values.push(...outbox.values);
    // One text for any number of orders (arrays), so it is one prepared statement. Keys repeated inside one batch:
    // ON CONFLICT DO NOTHING inserts the first, the others see it as taken, like across statements.
    const sql = `
      WITH x AS (
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::uuid[],
                             $8::jsonb[], $9::text[], $10::text[]) WITH ORDINALITY
          AS x(id, customer_id, idempotency_key, request_hash, correlation_id, created_at, event_id, detail, trace_id, span_id, ord)
      ), o AS (
        INSERT INTO orders (id, customer_id, status, idempotency_key, request_hash, correlation_id, created_at, updated_at)
        SELECT id, customer_id, 'PENDING', idempotency_key, request_hash, correlation_id, created_at, created_at
          FROM x ORDER BY ord
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
      ), l AS (
        INSERT INTO order_lines (order_id, line_no, sku, quantity)
        SELECT y.order_id, y.line_no, y.sku, y.quantity
          FROM unnest($11::uuid[], $12::int[], $13::text[], $14::int[]) AS y(order_id, line_no, sku, quantity)
          JOIN o ON o.id = y.order_id
      ), h AS (
        INSERT INTO order_history (order_id, event_id, event_type, producer, status_after, detail, occurred_at, trace_id, span_id, recorded_at)
        SELECT x.id, x.event_id, 'OrderPlaced', 'order', 'PENDING', x.detail, x.created_at, x.trace_id, x.span_id, clock_timestamp()
          FROM x JOIN o ON o.id = x.id
      ), ob AS (
        ${outbox.text}
      )
      SELECT id FROM o`;
    const { rows } = await this.pool.query<{ id: string }>(sql, values);
    const inserted = new Set(rows.map((r) => r.id));
    return placements.map((p) => inserted.has(p.order.id));
  }

  async findById(id: string): Promise<Order | null> {
    const { rows } = await this.pool.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = $1`,
      [id],
    );
    return rows[0] ? Order.restore(snapshotFromRow(rows[0])) : null;
  }

  async lockById(tx: Queryable, id: string): Promise<Order | null> {
    const run = this.runs.of(tx);
    if (run) return run.orders.get(id)?.order ?? null;
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
    const run = this.runs.of(tx);
    if (run) return this.saveInRun(run, order, outbox, history, linesPriced);
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
    const run = this.runs.of(tx);
    if (run) {
      for (const entry of history) run.history.push({ orderId, entry });
      return;
    }
    const h = this.historyInsert(history, 2, null);
    await tx.query(h.text, [orderId, ...h.values]);
  }

  async withinRun<T>(tx: Queryable, orderIds: string[], fn: () => Promise<T>): Promise<T> {
    // Locking in id order is the global order every run follows, so concurrent runs (other partitions, other topics)
    // touching the same orders wait for each other instead of deadlocking.
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::uuid[]) ORDER BY o.id FOR UPDATE`,
      [[...new Set(orderIds)]],
    );
    const run: RunState = { orders: new Map(), changed: new Map(), outbox: [], history: [] };
    for (const row of rows) {
      const order = Order.restore(snapshotFromRow(row));
      run.orders.set(order.id, { order, loadedVersion: row.version });
    }
    return this.runs.within(tx, run, fn, (state) => this.flushRun(tx, state));
  }

  private saveInRun(
    run: RunState,
    order: Order,
    outbox: OutboxEntry[],
    history: HistoryEntry[],
    linesPriced: boolean,
  ): void {
    const loaded = run.orders.get(order.id);
    if (!loaded || loaded.order !== order) throw new Error(`order ${order.id} was not loaded by this run`);
    const changed = run.changed.get(order.id);
    run.changed.set(order.id, {
      ...loaded,
      linesPriced: linesPriced || (changed?.linesPriced ?? false),
      saves: (changed?.saves ?? 0) + 1,
    });
    run.outbox.push(...outbox);
    for (const entry of history) run.history.push({ orderId: order.id, entry });
  }

  /**
   * The run's writes as ONE statement. Each join against a table also filters it by `= ANY(ids)`: the statement is
   * prepared, and a generic plan cannot know how many rows an `unnest` of a parameter yields, so without an index
   * condition on the table it may hash-join against a full scan of it (measured: a sequential scan of order_lines
   * on every flush). The run's writes: every changed order's final state (version-checked against what the run
   * loaded), priced lines, outbox rows and history lines in the order they were saved (ids follow call order).
   */
  private async flushRun(tx: Queryable, run: RunState): Promise<void> {
    if (run.changed.size === 0 && run.history.length === 0) return;
    const changed = [...run.changed.values()];
    const snaps = changed.map((c) => c.order.snapshot());
    const priced = changed
      .filter((c) => c.linesPriced)
      .flatMap((c) => c.order.snapshot().lines.map((l) => ({ orderId: c.order.id, line: l })));
    const values: unknown[] = [
      snaps.map((s) => s.id),
      snaps.map((s) => s.status),
      snaps.map((s) => s.totalAmount),
      snaps.map((s) => s.currency),
      snaps.map((s) => s.cancellationReason),
      snaps.map((s) => s.reservationId),
      snaps.map((s) => s.paymentId),
      snaps.map((s) => s.fulfillmentRequestedAt),
      snaps.map((s) => s.stockCommittedAt),
      snaps.map((s) => s.paymentCapturedAt),
      snaps.map((s) => s.status === 'CANCELLED' || s.status === 'FULFILLED'),
      snaps.map((s) => s.updatedAt),
      changed.map((c) => c.loadedVersion),
      changed.map((c) => c.saves),
      priced.map((p) => p.orderId),
      priced.map((p) => p.line.sku),
      priced.map((p) => p.line.unitPrice?.amount ?? null),
      priced.map((p) => p.line.unitPrice?.currency ?? null),
      run.history.map((h) => h.orderId),
    ];
    const outbox = outboxInsert('order', run.outbox, values.length + 1);
    values.push(...outbox.values);
    const history = this.historyInsert(
      run.history.map((h) => h.entry),
      values.length + 1,
      null,
      '$19::uuid[]',
    );
    values.push(...history.values);
    const { rows } = await tx.query<{ updated: number }>(
      `WITH x AS (
         SELECT * FROM unnest($1::uuid[], $2::"OrderStatus"[], $3::bigint[], $4::text[], $5::text[], $6::uuid[],
                              $7::uuid[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::boolean[],
                              $12::timestamptz[], $13::int[], $14::int[])
           AS x(id, status, total_amount, currency, cancellation_reason, reservation_id, payment_id,
                fulfillment_requested_at, stock_committed_at, payment_captured_at, terminal, updated_at, version, saves)
       ), u AS (
         UPDATE orders o SET status = x.status, total_amount = x.total_amount, currency = x.currency,
           cancellation_reason = x.cancellation_reason, reservation_id = x.reservation_id, payment_id = x.payment_id,
           fulfillment_requested_at = x.fulfillment_requested_at, stock_committed_at = x.stock_committed_at,
           payment_captured_at = x.payment_captured_at,
           terminal_at = CASE WHEN x.terminal THEN coalesce(o.terminal_at, x.updated_at) ELSE NULL END,
           updated_at = x.updated_at, version = o.version + x.saves
          FROM x WHERE o.id = ANY($1::uuid[]) AND o.id = x.id AND o.version = x.version
        RETURNING o.id
       ), l AS (
         UPDATE order_lines l SET unit_price_amount = y.amount, currency = y.currency
           FROM unnest($15::uuid[], $16::text[], $17::bigint[], $18::text[]) AS y(order_id, sku, amount, currency)
          WHERE l.order_id = ANY($15::uuid[]) AND l.order_id = y.order_id AND l.sku = y.sku
       ), ob AS (${outbox.text}
       ), h AS (${history.text})
       SELECT count(*)::int AS updated FROM u`,
      values,
    );
    // The rows were locked when the run loaded them, so a mismatch means a bug, not a race; the run rolls back.
    if (rows[0]!.updated !== changed.length) {
      throw new StaleOrderError(
        `${changed.length - rows[0]!.updated} order(s) of the run changed concurrently`,
      );
    }
  }

  /**
   * INSERT of history lines, its arrays numbered from `first`. The order id is `$1`, the id of the CTE named by
   * `updated` (the lines are then written only if that update matched), or per line from the uuid[] expression
   * `orderIdsArray` (a run's lines for several orders). Lines get ids in the order given. recorded_at is the time of
   * the write, not the transaction's start (now()): it never precedes the occurredAt of the events this transaction
   * raised.
   */
  private historyInsert(
    history: HistoryEntry[],
    first: number,
    updated: string | null,
    orderIdsArray: string | null = null,
  ): { text: string; values: unknown[] } {
    const n = (i: number) => `$${first + i}`;
    const orderId = orderIdsArray ? 'x.order_id' : updated ? `${updated}.id` : '$1';
    return {
      text: `INSERT INTO order_history (order_id, event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id, recorded_at)
       SELECT ${orderId}, x.event_id, x.event_type, x.producer, x.causation_id, x.status_after::"OrderStatus", x.detail, x.occurred_at, x.trace_id, x.span_id, clock_timestamp()
         FROM ${updated ? `${updated}, ` : ''}unnest(${orderIdsArray ? `${orderIdsArray}, ` : ''}${n(0)}::uuid[], ${n(1)}::text[], ${n(2)}::text[], ${n(3)}::uuid[], ${n(4)}::text[], ${n(5)}::jsonb[], ${n(6)}::timestamptz[], ${n(7)}::text[], ${n(8)}::text[])
           WITH ORDINALITY AS x(${orderIdsArray ? 'order_id, ' : ''}event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id, ord)
        ORDER BY x.ord
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
