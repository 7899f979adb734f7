import { Inject, Injectable, Optional } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import {
  isConnectionError,
  outboxInsert,
  OutboxEntry,
  parseTraceparent,
  PG_POOL,
  WriteCoalescer,
  WriteCoalescerOptions,
  WriteCoalescerStats,
} from '@ordermesh/platform';
import { Pool } from 'pg';
import { Order } from '../../domain/order.aggregate';
import {
  IdempotencyClaim,
  OrderPlacements,
  PlaceResult,
} from '../../application/ports/order-placements.port';

/** One POST /orders waiting to be written. */
interface Placement {
  order: Order;
  placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry;
  claim: IdempotencyClaim | null;
}

export const PLACEMENT_BATCHING = Symbol('PLACEMENT_BATCHING');
/** Placements written at once with coalescing off: each order is its own statement, as many at a time as the pool has. */
const ONE_BY_ONE: WriteCoalescerOptions = { maxBatch: 1, maxInFlight: 1_000 };

/**
 * New orders in plain SQL on the service's pg pool: placing an order is a single data-modifying CTE (order + lines +
 * outbox + history), the cheapest way to commit it, and concurrent placements share statements (ADR 0010).
 */
@Injectable()
export class SqlOrderPlacements implements OrderPlacements {
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
}
