import type { Queryable } from '@ordermesh/platform';
import { NewReservation } from '../../application/ports/reservation.repository.port';
import { Reservation, ReservedLine, StockMove } from '../../domain/reservation';
import { RESERVATION_COLUMNS, ReservationRow, toReservation } from './reservation-rows';
import { StockOffer } from '../../domain/stock-allocation';

/** A stock row as the run locked it, then as the run's reactions moved its units. */
interface StockRow {
  sku: string;
  available: number;
  reserved: number;
  committed: number;
  unitPrice: StockOffer['unitPrice'];
  changed: boolean;
}

interface RunReservation {
  reservation: Reservation;
  lines: { sku: string; quantity: number }[];
  /** Set when the run created it: the columns only an insert writes. */
  created: NewReservation | null;
  changed: boolean;
}

export class ReservationRunConflictError extends Error {
  readonly code = '40001'; // like a serialization failure: the run rolls back and is replayed event by event
}

/**
 * A consumed run of inventory events worked in memory: the stock rows and reservations it may touch are locked and
 * read up front (two statements), the reactions read and change that state through the repository as if they
 * wrote to the database, and `flush` writes the net result with one statement. The reactions and their guards are
 * the same code as on the per-event path; only the number of round trips changes.
 */
export class ReservationRun {
  private readonly stock = new Map<string, StockRow>();
  private readonly byOrder = new Map<string, RunReservation>();

  /**
   * Locks and reads, in the order every inventory writer follows — reservations (by id) before stock rows (by SKU,
   * COLLATE "C"), as the per-event reactions and the expiry sweep do — the given orders' reservations, then the stock
   * of `skus` and of the lines of the reservations of `movingOrderIds` (the orders whose units the run may move).
   */
  static async open(
    tx: Queryable,
    skus: string[],
    orderIds: string[],
    movingOrderIds: string[],
  ): Promise<ReservationRun> {
    const moving = new Set(movingOrderIds);
    const run = new ReservationRun();
    const reservations = await tx.query<
      ReservationRow & { lines: { sku: string; quantity: number }[] | null }
    >(
      `SELECT ${RESERVATION_COLUMNS},
              (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity))
                 FROM reservation_lines l WHERE l.reservation_id = reservations.id) AS lines
         FROM reservations WHERE order_id = ANY($1::uuid[])
        ORDER BY id
          FOR UPDATE OF reservations`,
      [orderIds],
    );
    const stockSkus = new Set(skus);
    for (const r of reservations.rows) {
      const lines = r.lines ?? [];
      if (moving.has(r.order_id)) for (const line of lines) stockSkus.add(line.sku);
      run.byOrder.set(r.order_id, {
        reservation: toReservation(r),
        lines,
        created: null,
        changed: false,
      });
    }
    const stock = await tx.query<{
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
      [[...stockSkus]],
    );
    for (const r of stock.rows) {
      run.stock.set(r.sku, {
        sku: r.sku,
        available: r.available,
        reserved: r.reserved,
        committed: r.committed,
        unitPrice: { amount: Number(r.amount), currency: r.currency },
        changed: false,
      });
    }
    return run;
  }

  offers(skus: readonly string[]): StockOffer[] {
    return [...new Set(skus)].sort().flatMap((sku) => {
      const row = this.stock.get(sku);
      return row ? [{ sku, available: row.available, unitPrice: row.unitPrice }] : [];
    });
  }

  reservationOf(orderId: string): Reservation | null {
    return this.byOrder.get(orderId)?.reservation ?? null;
  }

  insertHeld(r: NewReservation): boolean {
    if (this.byOrder.has(r.orderId)) return false;
    for (const line of r.lines) this.move(line.sku, line.quantity, 'available', 'reserved');
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
      lines: r.lines.map((l: ReservedLine) => ({ sku: l.sku, quantity: l.quantity })),
      created: r,
      changed: true,
    });
    return true;
  }

  save(reservations: readonly Reservation[], stockMove: StockMove | null): void {
    for (const reservation of reservations) {
      const entry = this.byOrder.get(reservation.orderId);
      if (!entry || entry.reservation !== reservation) {
        throw new Error(`reservation ${reservation.id} was not loaded by this run`);
      }
      entry.changed = true;
      if (!stockMove) continue;
      const to = stockMove === 'RESERVED_TO_AVAILABLE' ? 'available' : 'committed';
      for (const line of entry.lines) this.move(line.sku, line.quantity, 'reserved', to);
    }
  }

  private move(
    sku: string,
    quantity: number,
    from: 'available' | 'reserved',
    to: 'reserved' | 'available' | 'committed',
  ): void {
    const row = this.stock.get(sku);
    // Every SKU a reaction moves was locked by `open` (the run's OrderPlaced lines and its orders' reservation lines).
    if (!row) throw new Error(`stock of ${sku} was not locked by this run`);
    if (row[from] < quantity)
      throw new Error(`stock of ${sku}: cannot move ${quantity} from ${from} (${row[from]})`);
    row[from] -= quantity;
    row[to] += quantity;
    row.changed = true;
  }

  /**
   * One statement (joins also filter each table by `= ANY(ids)`, so the prepared statement's generic plan probes
   * indexes rather than scanning a table): the reservations the run created (with their lines), the status of those it changed, and the
   * final units of every stock row it moved. Counts are checked: anything unexpected rolls the run back.
   */
  async flush(tx: Queryable): Promise<void> {
    const entries = [...this.byOrder.values()];
    const created = entries.filter((e) => e.created);
    const updated = entries.filter((e) => e.changed && !e.created);
    const stock = [...this.stock.values()].filter((s) => s.changed).sort((a, b) => (a.sku < b.sku ? -1 : 1));
    if (!created.length && !updated.length && !stock.length) return;
    const snap = (e: RunReservation) => e.reservation.snapshot();
    const lines = created.flatMap((e) => e.created!.lines.map((l) => ({ id: e.created!.id, line: l })));
    const { rows } = await tx.query<{ inserted: number; updated: number; moved: number }>(
      `WITH ins AS (
         INSERT INTO reservations (id, order_id, status, customer_id, total_amount, currency, expires_at, correlation_id,
                                   trace_parent, payment_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::"ReservationStatus"[], $4::uuid[], $5::bigint[], $6::text[],
                              $7::timestamptz[], $8::text[], $9::text[], $10::uuid[])
         ON CONFLICT (order_id) DO NOTHING
         RETURNING id
       ), ins_lines AS (
         INSERT INTO reservation_lines (reservation_id, sku, quantity, unit_price_amount, currency)
         SELECT * FROM unnest($11::uuid[], $12::text[], $13::int[], $14::bigint[], $15::text[])
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
        stock.map((s) => s.available),
        stock.map((s) => s.reserved),
        stock.map((s) => s.committed),
      ],
    );
    const r = rows[0]!;
    // The rows were locked when the run opened; a reservation inserted meanwhile for one of its orders (another
    // consumer instance during a rebalance) is the only way these differ.
    if (r.inserted !== created.length || r.updated !== updated.length || r.moved !== stock.length) {
      throw new ReservationRunConflictError(
        `run flush: inserted ${r.inserted}/${created.length}, updated ${r.updated}/${updated.length}, moved ${r.moved}/${stock.length}`,
      );
    }
  }
}
