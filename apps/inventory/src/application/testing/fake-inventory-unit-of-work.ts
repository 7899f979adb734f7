import { randomUUID } from 'node:crypto';
import { Cause, NewEvent, OutboxEntry, RunOutbox } from '@ordermesh/platform';
import { Reservation, ReservationStatus, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';
import { StockLevel } from '../../domain/stock-level';
import type { InventoryUnitOfWork, NewReservation } from '../ports/inventory-unit-of-work.port';

/**
 * The inventory unit of work in memory, for reaction specs: stock levels and reservations as the test sets them up,
 * what was held and saved, and the events published (built and contract-checked by the platform's RunOutbox).
 */
export class FakeInventoryWork implements InventoryUnitOfWork {
  readonly stock = new Map<string, StockLevel>();
  readonly reservations = new Map<
    string,
    { reservation: Reservation; lines: { sku: string; quantity: number }[] }
  >();
  readonly held: NewReservation[] = [];
  readonly saved: { reservation: Reservation; move: StockMove | null }[] = [];
  readonly published: OutboxEntry[] = [];
  dueOrders: string[] = [];
  private readonly outbox = new RunOutbox('inventory', 'reservation');

  withStock(sku: string, available: number, amount = 100, currency = 'EUR', reserved = 0): this {
    this.stock.set(sku, new StockLevel(sku, { available, reserved, committed: 0 }, { amount, currency }));
    return this;
  }

  withReservation(
    orderId: string,
    status: ReservationStatus,
    lines: { sku: string; quantity: number }[],
    over: Partial<Parameters<typeof Reservation.rehydrate>[0]> = {},
  ): Reservation {
    const reservation = Reservation.rehydrate({
      id: randomUUID(),
      orderId,
      status,
      expiresAt: new Date('2030-01-01T00:15:00.000Z'),
      paymentId: null,
      correlationId: `corr-${orderId}`,
      traceparent: null,
      ...over,
    });
    this.reservations.set(orderId, { reservation, lines });
    return reservation;
  }

  offers(skus: readonly string[]): StockOffer[] {
    return [...new Set(skus)].sort().flatMap((sku) => {
      const s = this.stock.get(sku);
      return s ? [{ sku, available: s.available, unitPrice: s.unitPrice }] : [];
    });
  }

  reservationOf(orderId: string): Reservation | null {
    return this.reservations.get(orderId)?.reservation ?? null;
  }

  hold(r: NewReservation): boolean {
    if (this.reservations.has(r.orderId)) return false;
    for (const l of r.lines) this.stock.get(l.sku)!.reserve(l.quantity);
    this.held.push(r);
    this.withReservation(r.orderId, 'HELD', r.lines, { id: r.id, expiresAt: r.expiresAt });
    return true;
  }

  save(reservation: Reservation, move: StockMove | null): void {
    const entry = this.reservations.get(reservation.orderId)!;
    if (move) for (const l of entry.lines) this.stock.get(l.sku)!.apply(move, l.quantity);
    this.saved.push({ reservation, move });
  }

  due(): Reservation[] {
    return this.dueOrders.map((id) => this.reservations.get(id)!.reservation);
  }

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    const built = this.outbox.publish(cause, events, now);
    this.published.push(...built);
    return built;
  }

  /** Published events as [type, payload]. */
  events(): [string, unknown][] {
    return this.published.map((e) => [e.eventType, e.payload]);
  }
}
