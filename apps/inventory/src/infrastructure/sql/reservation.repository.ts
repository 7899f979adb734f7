import { Injectable } from '@nestjs/common';
import { RunStates, type Queryable } from '@ordermesh/platform';
import {
  NewReservation,
  ReservationRepository,
  RunFootprint,
} from '../../application/ports/reservation.repository.port';
import { Reservation, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';
import { ReservationRun } from './reservation-run';
import { RESERVATION_COLUMNS, ReservationRow, toReservation } from './reservation-rows';

// Hand-written SQL on the caller's transaction: the saga steps are the hot path (one statement per step where
// the logic allows; Prisma's model API costs several times the CPU). SKUs are ASCII, and every lock or sort by
// SKU uses COLLATE "C" so all statements take stock row locks in the same (byte) order as the domain sorts them.

const STOCK_MOVES: Record<StockMove, string> = {
  RESERVED_TO_AVAILABLE: 'available = s.available + l.quantity, reserved = s.reserved - l.quantity',
  RESERVED_TO_COMMITTED: 'committed = s.committed + l.quantity, reserved = s.reserved - l.quantity',
};

@Injectable()
export class SqlReservationRepository implements ReservationRepository {
  private readonly runs = new RunStates<ReservationRun>();

  /**
   * Runs `fn` (the reactions of one consumed run) against a `ReservationRun`: the orders' reservations and the stock
   * the run may move, locked and read up front; every method below then works on it in memory
   * for `tx`, and its net result is written with one statement before this returns.
   */
  async withinRun<T>(tx: Queryable, footprint: RunFootprint, fn: () => Promise<T>): Promise<T> {
    const run = await ReservationRun.open(tx, footprint.skus, footprint.orderIds, footprint.movingOrderIds);
    return this.runs.within(tx, run, fn, (r) => r.flush(tx));
  }

  async lockStock(tx: Queryable, skus: readonly string[]): Promise<StockOffer[]> {
    const run = this.runs.of(tx);
    if (run) return run.offers(skus);
    const { rows } = await tx.query<{ sku: string; available: number; amount: string; currency: string }>(
      `SELECT s.sku, s.available, p.unit_price_amount::text AS amount, p.currency
         FROM stock_levels s JOIN products p ON p.sku = s.sku
        WHERE s.sku = ANY($1::text[])
        ORDER BY s.sku COLLATE "C"
          FOR UPDATE OF s`,
      [skus],
    );
    return rows.map((r) => ({
      sku: r.sku,
      available: r.available,
      unitPrice: { amount: Number(r.amount), currency: r.currency },
    }));
  }

  async insertHeld(tx: Queryable, r: NewReservation): Promise<boolean> {
    const run = this.runs.of(tx);
    if (run) return run.insertHeld(r);
    const { rows } = await tx.query<{ inserted: number; moved: number }>(
      `WITH res AS (
         INSERT INTO reservations (id, order_id, status, customer_id, total_amount, currency, expires_at, correlation_id, trace_parent)
         VALUES ($1::uuid, $2::uuid, 'HELD', $3::uuid, $4::bigint, $5, $6::timestamptz, $7, $12)
         ON CONFLICT (order_id) DO NOTHING
         RETURNING id
       ), lines AS (
         INSERT INTO reservation_lines (reservation_id, sku, quantity, unit_price_amount, currency)
         SELECT res.id, l.sku, l.quantity, l.price, l.currency
           FROM res CROSS JOIN unnest($8::text[], $9::int[], $10::bigint[], $11::text[]) AS l(sku, quantity, price, currency)
       ), stock AS (
         UPDATE stock_levels s
            SET available = s.available - l.quantity, reserved = s.reserved + l.quantity, updated_at = now()
           FROM unnest($8::text[], $9::int[]) AS l(sku, quantity)
          WHERE s.sku = l.sku AND EXISTS (SELECT 1 FROM res)
         RETURNING s.sku
       )
       SELECT (SELECT count(*) FROM res)::int AS inserted, (SELECT count(*) FROM stock)::int AS moved`,
      [
        r.id,
        r.orderId,
        r.customerId,
        r.total.amount,
        r.total.currency,
        r.expiresAt.toISOString(),
        r.correlationId,
        r.lines.map((l) => l.sku),
        r.lines.map((l) => l.quantity),
        r.lines.map((l) => l.unitPrice.amount),
        r.lines.map((l) => l.unitPrice.currency),
        r.traceparent,
      ],
    );
    const { inserted, moved } = rows[0]!;
    if (inserted === 0) return false;
    // The stock rows were locked and checked before; a mismatch means a row vanished under us: roll back.
    if (moved !== r.lines.length)
      throw new Error(`reservation ${r.id}: moved stock of ${moved} of ${r.lines.length} SKUs`);
    return true;
  }

  async existsForOrder(tx: Queryable, orderId: string): Promise<boolean> {
    const run = this.runs.of(tx);
    if (run) return run.reservationOf(orderId) !== null;
    const { rowCount } = await tx.query('SELECT 1 FROM reservations WHERE order_id = $1::uuid', [orderId]);
    return (rowCount ?? 0) > 0;
  }

  async lockByOrder(tx: Queryable, orderId: string): Promise<Reservation | null> {
    const run = this.runs.of(tx);
    if (run) return run.reservationOf(orderId);
    const { rows } = await tx.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE order_id = $1::uuid FOR UPDATE`,
      [orderId],
    );
    return rows[0] ? toReservation(rows[0]) : null;
  }

  async lockDue(tx: Queryable, now: Date, limit: number): Promise<Reservation[]> {
    const { rows } = await tx.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM reservations
        WHERE status = 'HELD' AND expires_at <= $1::timestamptz
        ORDER BY expires_at
        LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), limit],
    );
    return rows.map(toReservation);
  }

  async save(
    tx: Queryable,
    reservations: readonly Reservation[],
    stockMove: StockMove | null,
  ): Promise<void> {
    if (reservations.length === 0) return;
    const run = this.runs.of(tx);
    if (run) return run.save(reservations, stockMove);
    const ids = reservations.map((r) => r.id);
    const update = `UPDATE reservations t
                       SET status = u.status::"ReservationStatus", payment_id = u.payment_id, updated_at = now()
                      FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS u(id, status, payment_id)
                     WHERE t.id = ANY($1::uuid[]) AND t.id = u.id`;
    const params = [ids, reservations.map((r) => r.status), reservations.map((r) => r.paymentId)];
    if (!stockMove) {
      await tx.query(update, params);
      return;
    }
    // Lock the stock rows first, in the global SKU order: an UPDATE … FROM join locks rows in plan order, which could
    // deadlock with a reservation or a batch of reactions locking the same SKUs in order.
    await tx.query(
      `SELECT 1 FROM stock_levels
        WHERE sku IN (SELECT sku FROM reservation_lines WHERE reservation_id = ANY($1::uuid[]))
        ORDER BY sku COLLATE "C"
          FOR UPDATE`,
      [ids],
    );
    // Units of all the reservations' lines, one row per SKU.
    await tx.query(
      `WITH r AS (${update} RETURNING t.id)
       UPDATE stock_levels s SET ${STOCK_MOVES[stockMove]}, updated_at = now()
         FROM (SELECT sku, sum(quantity)::int AS quantity
                 FROM reservation_lines
                WHERE reservation_id = ANY($1::uuid[])
                GROUP BY sku
                ORDER BY sku COLLATE "C") AS l
        WHERE s.sku = l.sku`,
      params,
    );
  }
}
