import { Injectable } from '@nestjs/common';
import type {
  Cause,
  EventPublisher,
  NewEvent,
  OutboxEntry,
  Queryable,
  UnitOfWorkStore,
} from '@ordermesh/platform';
import type {
  InventoryClaim,
  InventoryUnitOfWork,
  NewReservation,
} from '../../application/ports/inventory-unit-of-work.port';
import { Reservation, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';
import { StockLevel } from '../../domain/stock-level';
import { RESERVATION_COLUMNS, ReservationRow, toReservation } from './reservation-rows';

// Hand-written SQL on the unit's transaction (the saga's hot path; ADR 0004). SKUs are ASCII, and every lock or sort
// by SKU uses COLLATE "C" so all statements take stock row locks in the same (byte) order as the domain sorts them.

interface HeldReservation {
  reservation: Reservation;
  lines: { sku: string; quantity: number }[];
  /** Set when this unit created it: the columns only an insert writes. */
  created: NewReservation | null;
  changed: boolean;
}

export class InventoryRunConflictError extends Error {
  readonly code = '40001'; // like a serialization failure: the unit rolls back and is replayed (or retried)
}

/** The state one unit of work locked and loaded, and what its reactions changed. */
export class InventoryRun implements InventoryUnitOfWork {
  readonly stock = new Map<string, StockLevel>();
  readonly byOrder = new Map<string, HeldReservation>();
  readonly dueOrders: string[] = [];

  constructor(private readonly events: EventPublisher) {}

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    return this.events.publish(cause, events, now);
  }

  offers(skus: readonly string[]): StockOffer[] {
    return [...new Set(skus)].sort().flatMap((sku) => {
      const level = this.stock.get(sku);
      return level ? [{ sku, available: level.available, unitPrice: level.unitPrice }] : [];
    });
  }

  reservationOf(orderId: string): Reservation | null {
    return this.byOrder.get(orderId)?.reservation ?? null;
  }

  due(): Reservation[] {
    return this.dueOrders.map((id) => this.byOrder.get(id)!.reservation);
  }

  hold(r: NewReservation): boolean {
    if (this.byOrder.has(r.orderId)) return false;
    for (const line of r.lines) this.levelOf(line.sku).reserve(line.quantity);
    this.byOrder.set(r.orderId, {
      reservation: Reservation.rehydrate({
        id: r.id,
        orderId: r.orderId,
        status: 'HELD',
        expiresAt: r.expiresAt,
        paymentId: null,
        correlationId: r.correlationId,
        traceparent: r.traceparent,
      }),
      lines: r.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      created: r,
      changed: true,
    });
    return true;
  }

  save(reservation: Reservation, stockMove: StockMove | null): void {
    const held = this.byOrder.get(reservation.orderId);
    if (held?.reservation !== reservation)
      throw new Error(`reservation ${reservation.id} was not claimed by this unit of work`);
    held.changed = true;
    if (stockMove) for (const line of held.lines) this.levelOf(line.sku).apply(stockMove, line.quantity);
  }

  private levelOf(sku: string): StockLevel {
    const level = this.stock.get(sku);
    // Every SKU a reaction moves was claimed (its OrderPlaced lines, or the lines of an order whose stock moves).
    if (!level) throw new Error(`stock of ${sku} was not claimed by this unit of work`);
    return level;
  }
}

/**
 * The inventory unit of work: what the claims name is locked and read up front — due reservations (SKIP LOCKED),
 * the claimed orders' reservations by id, then the stock rows by SKU, the order every inventory writer follows — and
 * `flush` writes the net result with one statement (new reservations and lines, changed statuses, final stock units).
 */
@Injectable()
export class SqlInventoryUnitOfWork implements UnitOfWorkStore<InventoryRun, InventoryClaim> {
  async open(
    tx: Queryable,
    claims: readonly InventoryClaim[],
    events: EventPublisher,
  ): Promise<InventoryRun> {
    const run = new InventoryRun(events);
    const orderIds = new Set<string>();
    const moving = new Set<string>();
    const skus = new Set<string>();
    for (const claim of claims) {
      if ('due' in claim) {
        // Rows another transaction holds are skipped: several sweepers, or a sweeper racing a confirmation, never
        // block each other or decide twice.
        const { rows } = await tx.query<{ order_id: string }>(
          `SELECT order_id FROM reservations
            WHERE status = 'HELD' AND expires_at <= $1::timestamptz
            ORDER BY expires_at
            LIMIT $2
              FOR UPDATE SKIP LOCKED`,
          [claim.due.at.toISOString(), claim.due.limit],
        );
        for (const r of rows) {
          run.dueOrders.push(r.order_id);
          orderIds.add(r.order_id);
          moving.add(r.order_id);
        }
        continue;
      }
      orderIds.add(claim.orderId);
      if (claim.movesStock) moving.add(claim.orderId);
      for (const sku of claim.reserves ?? []) skus.add(sku);
    }
    if (orderIds.size) {
      const { rows } = await tx.query<ReservationRow & { lines: { sku: string; quantity: number }[] | null }>(
        `SELECT ${RESERVATION_COLUMNS},
                (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity))
                   FROM reservation_lines l WHERE l.reservation_id = reservations.id) AS lines
           FROM reservations WHERE order_id = ANY($1::uuid[])
          ORDER BY id
            FOR UPDATE OF reservations`,
        [[...orderIds]],
      );
      for (const r of rows) {
        const lines = r.lines ?? [];
        if (moving.has(r.order_id)) for (const line of lines) skus.add(line.sku);
        run.byOrder.set(r.order_id, { reservation: toReservation(r), lines, created: null, changed: false });
      }
    }
    if (skus.size) {
      const { rows } = await tx.query<{
        sku: string;
        available: number;
        reserved: number;
        committed: number;
        amount: string;
        currency: string;
      }>(
        `SELECT s.sku, s.available, s.reserved, s.committed, p.unit_price_amount::text AS amount, p.currency
           FROM stock_levels s JOIN products p ON p.sku = s.sku
          WHERE s.sku = ANY($1::text[])
          ORDER BY s.sku COLLATE "C"
            FOR UPDATE OF s`,
        [[...skus]],
      );
      for (const r of rows) {
        run.stock.set(
          r.sku,
          new StockLevel(
            r.sku,
            { available: r.available, reserved: r.reserved, committed: r.committed },
            { amount: Number(r.amount), currency: r.currency },
          ),
        );
      }
    }
    return run;
  }

  /**
   * One statement (joins also filter each table by `= ANY(ids)`, so the prepared statement's generic plan probes
   * indexes rather than scanning a table). Counts are checked: anything unexpected rolls the unit back.
   */
  async flush(tx: Queryable, run: InventoryRun): Promise<void> {
    const entries = [...run.byOrder.values()];
    const created = entries.filter((e) => e.created);
    const updated = entries.filter((e) => e.changed && !e.created);
    const stock = [...run.stock.values()].filter((s) => s.isChanged).sort((a, b) => (a.sku < b.sku ? -1 : 1));
    if (!created.length && !updated.length && !stock.length) return;
    const snap = (e: HeldReservation) => e.reservation.snapshot();
    const lines = created.flatMap((e) => e.created!.lines.map((l) => ({ id: e.created!.id, line: l })));
    const units = stock.map((s) => s.snapshot());
    const { rows } = await tx.query<{ inserted: number; updated: number; moved: number }>(
      `WITH ins AS (
         INSERT INTO reservations (id, order_id, status, customer_id, total_amount, currency, expires_at, correlation_id,
                                   trace_parent, payment_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"ReservationStatus"[], $4::uuid[], $5::bigint[], $6::text[],
                              $7::timestamptz[], $8::text[], $9::text[], $10::uuid[])
         ON CONFLICT (order_id) DO NOTHING
         RETURNING id
       ), ins_lines AS (
         -- Only for reservations this statement inserted: a concurrent duplicate that won the order's row leaves
         -- \`ins\` short, the counts below fail the unit, and its retry finds the winner's reservation.
         INSERT INTO reservation_lines (reservation_id, sku, quantity, unit_price_amount, currency)
         SELECT x.* FROM unnest($11::uuid[], $12::text[], $13::int[], $14::bigint[], $15::text[])
                  AS x(reservation_id, sku, quantity, unit_price_amount, currency)
           JOIN ins ON ins.id = x.reservation_id
       ), upd AS (
         UPDATE reservations t SET status = u.status, payment_id = u.payment_id, updated_at = now()
           FROM unnest($16::uuid[], $17::"ReservationStatus"[], $18::uuid[]) AS u(id, status, payment_id)
          WHERE t.id = ANY($16::uuid[]) AND t.id = u.id
         RETURNING t.id
       ), moved AS (
         UPDATE stock_levels s SET available = x.available, reserved = x.reserved, committed = x.committed,
                updated_at = now()
           FROM unnest($19::text[], $20::int[], $21::int[], $22::int[]) AS x(sku, available, reserved, committed)
          WHERE s.sku = ANY($19::text[]) AND s.sku = x.sku
         RETURNING s.sku
       )
       SELECT (SELECT count(*) FROM ins)::int AS inserted, (SELECT count(*) FROM upd)::int AS updated,
              (SELECT count(*) FROM moved)::int AS moved`,
      [
        created.map((e) => e.created!.id),
        created.map((e) => e.created!.orderId),
        created.map((e) => snap(e).status),
        created.map((e) => e.created!.customerId),
        created.map((e) => e.created!.total.amount),
        created.map((e) => e.created!.total.currency),
        created.map((e) => e.created!.expiresAt.toISOString()),
        created.map((e) => e.created!.correlationId),
        created.map((e) => e.created!.traceparent),
        created.map((e) => snap(e).paymentId),
        lines.map((l) => l.id),
        lines.map((l) => l.line.sku),
        lines.map((l) => l.line.quantity),
        lines.map((l) => l.line.unitPrice.amount),
        lines.map((l) => l.line.unitPrice.currency),
        updated.map((e) => snap(e).id),
        updated.map((e) => snap(e).status),
        updated.map((e) => snap(e).paymentId),
        stock.map((s) => s.sku),
        units.map((u) => u.available),
        units.map((u) => u.reserved),
        units.map((u) => u.committed),
      ],
    );
    const r = rows[0]!;
    // The rows were locked when the unit opened; a reservation inserted meanwhile for one of its orders (another
    // consumer instance during a rebalance) is the only way these differ.
    if (r.inserted !== created.length || r.updated !== updated.length || r.moved !== stock.length) {
      throw new InventoryRunConflictError(
        `unit of work flush: inserted ${r.inserted}/${created.length}, updated ${r.updated}/${updated.length}, moved ${r.moved}/${stock.length}`,
      );
    }
  }
}
