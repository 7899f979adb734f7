import { Injectable } from '@nestjs/common';
import {
  Cause,
  EventPublisher,
  NewEvent,
  OutboxEntry,
  outboxInsert,
  OutboxRows,
  Queryable,
  UnitOfWorkStore,
} from '@ordermesh/platform';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import type { OrderUnitOfWork } from '../../application/ports/order-unit-of-work.port';
import type { HistoryEntry } from '../../application/shared/order-history';
import { ORDER_COLUMNS, OrderRow, snapshotFromRow } from './order-rows';

/** Concurrent modification of the same order: the transaction is retried by the caller (consumer retry). */
export class StaleOrderError extends Error {
  readonly code = '40001'; // treated like a serialization failure: safe to run the whole transaction again
}

/** The orders of one unit of work, as loaded (and locked), and what its reactions and commands saved. */
export class OrderRun implements OrderUnitOfWork {
  readonly loaded = new Map<string, { order: Order; as: OrderSnapshot }>();
  /** saves: how many times the unit saved the order (its version advances by that much, as with one write each). */
  readonly changed = new Map<string, { order: Order; as: OrderSnapshot; saves: number }>();
  readonly history: { orderId: string; entry: HistoryEntry }[] = [];

  constructor(private readonly events: EventPublisher) {}

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    return this.events.publish(cause, events, now);
  }

  order(id: string): Order | null {
    return this.loaded.get(id)?.order ?? null;
  }

  save(order: Order, history: HistoryEntry[]): void {
    const loaded = this.loaded.get(order.id);
    if (!loaded || loaded.order !== order)
      throw new Error(`order ${order.id} was not claimed by this unit of work`);
    this.changed.set(order.id, { ...loaded, saves: (this.changed.get(order.id)?.saves ?? 0) + 1 });
    this.appendHistory(order.id, history);
  }

  appendHistory(orderId: string, history: HistoryEntry[]): void {
    for (const entry of history) this.history.push({ orderId, entry });
  }
}

/**
 * The order service's unit of work in plain SQL: one statement locks and loads the claimed orders, one writes every
 * change back (state, priced lines, outbox rows, history) — for a command, one event or a run of hundreds.
 */
@Injectable()
export class SqlOrderUnitOfWork implements UnitOfWorkStore<OrderRun, string> {
  async open(tx: Queryable, orderIds: readonly string[], events: EventPublisher): Promise<OrderRun> {
    // Locking in id order is the global order every unit follows, so concurrent ones (other partitions, other topics,
    // commands) touching the same orders wait for each other instead of deadlocking.
    const { rows } = await tx.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1::uuid[]) ORDER BY o.id FOR UPDATE`,
      [[...new Set(orderIds)]],
    );
    const run = new OrderRun(events);
    for (const row of rows) {
      const snapshot = snapshotFromRow(row);
      run.loaded.set(snapshot.id, { order: Order.restore(snapshot), as: snapshot });
    }
    return run;
  }

  /**
   * The unit's writes as ONE statement. Each join against a table also filters it by `= ANY(ids)`: the statement is
   * prepared, and a generic plan cannot know how many rows an `unnest` of a parameter yields, so without an index
   * condition on the table it may hash-join against a full scan of it (measured: a sequential scan of order_lines
   * on every flush). Written: every changed order's final state (version-checked against what was loaded), the lines
   * whose price changed, outbox rows and history lines in the order they were published and saved (ids follow it).
   */
  async flush(tx: Queryable, run: OrderRun, outboxRows: OutboxRows): Promise<void> {
    const outboxed = outboxRows.take();
    if (run.changed.size === 0 && run.history.length === 0 && outboxed.entries.length === 0) return;
    const changed = [...run.changed.values()];
    const snaps = changed.map((c) => c.order.snapshot());
    const priced = changed.flatMap((c, i) => pricedLines(c.as, snaps[i]!));
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
      changed.map((c) => c.as.version),
      changed.map((c) => c.saves),
      priced.map((p) => p.orderId),
      priced.map((p) => p.sku),
      priced.map((p) => p.amount),
      priced.map((p) => p.currency),
      run.history.map((h) => h.orderId),
    ];
    const outbox = outboxInsert(outboxed.aggregateType, outboxed.entries, values.length + 1);
    values.push(...outbox.values);
    const history = historyInsert(
      run.history.map((h) => h.entry),
      values.length + 1,
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
    // The rows were locked when the unit opened, so a mismatch means a bug, not a race; the unit rolls back.
    if (rows[0]!.updated !== changed.length) {
      throw new StaleOrderError(
        `${changed.length - rows[0]!.updated} order(s) of the unit of work changed concurrently`,
      );
    }
  }
}

/** The lines whose unit price differs from what was loaded (inventory priced them in this unit). */
function pricedLines(
  before: OrderSnapshot,
  after: OrderSnapshot,
): { orderId: string; sku: string; amount: number | null; currency: string | null }[] {
  const was = new Map(before.lines.map((l) => [l.sku, l.unitPrice]));
  return after.lines
    .filter((l) => {
      const p = was.get(l.sku);
      return p?.amount !== l.unitPrice?.amount || p?.currency !== l.unitPrice?.currency;
    })
    .map((l) => ({
      orderId: after.id,
      sku: l.sku,
      amount: l.unitPrice?.amount ?? null,
      currency: l.unitPrice?.currency ?? null,
    }));
}

/**
 * INSERT of history lines, its arrays numbered from `first`, each line's order id from the uuid[] expression
 * `orderIdsArray`. Lines get ids in the order given. recorded_at is the time of the write, not the transaction's
 * start (now()): it never precedes the occurredAt of the events this transaction raised.
 */
function historyInsert(
  history: HistoryEntry[],
  first: number,
  orderIdsArray: string,
): { text: string; values: unknown[] } {
  const n = (i: number) => `$${first + i}`;
  return {
    text: `INSERT INTO order_history (order_id, event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id, recorded_at)
       SELECT x.order_id, x.event_id, x.event_type, x.producer, x.causation_id, x.status_after::"OrderStatus", x.detail, x.occurred_at, x.trace_id, x.span_id, clock_timestamp()
         FROM unnest(${orderIdsArray}, ${n(0)}::uuid[], ${n(1)}::text[], ${n(2)}::text[], ${n(3)}::uuid[], ${n(4)}::text[], ${n(5)}::jsonb[], ${n(6)}::timestamptz[], ${n(7)}::text[], ${n(8)}::text[])
           WITH ORDINALITY AS x(order_id, event_id, event_type, producer, causation_id, status_after, detail, occurred_at, trace_id, span_id, ord)
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
