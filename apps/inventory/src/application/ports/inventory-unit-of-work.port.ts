import type { EventPublisher, UnitsOfWork } from '@ordermesh/platform';
import { Money } from '../../domain/money';
import { Reservation, ReservedLine, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';

export interface NewReservation {
  id: string;
  orderId: string;
  customerId: string;
  /** One line per SKU. */
  lines: ReservedLine[];
  total: Money;
  expiresAt: Date;
  correlationId: string;
  /** Trace context of the saga (null when tracing is off), so the expiry of this hold joins the saga's trace. */
  traceparent: string | null;
}

/**
 * What one unit of work must lock and load. Reactions name an order (its reservation), the SKUs they may reserve,
 * and whether they may move the units the order's reservation holds; the expiry sweep names due reservations.
 */
export type InventoryClaim =
  | { orderId: string; reserves?: readonly string[]; movesStock?: boolean }
  | { due: { at: Date; limit: number } };

/**
 * One unit of work on reservations and stock, as reactions and the sweep see it: everything its claims named,
 * locked in the service's one order (reservations by id, then stock rows by SKU) and loaded when it opened; what
 * changes is written, with the events published, when it commits.
 */
export interface InventoryUnitOfWork extends EventPublisher {
  /** Price and available units of the claimed SKUs that exist, in SKU order (unknown SKUs are absent). */
  offers(skus: readonly string[]): StockOffer[];
  /** The order's reservation, if it has one. */
  reservationOf(orderId: string): Reservation | null;
  /** A new HELD reservation, its units moved available → reserved; false (nothing done) if the order has one. */
  hold(reservation: NewReservation): boolean;
  /** The reservation's new status, and its transition's stock move applied to all its lines. */
  save(reservation: Reservation, stockMove: StockMove | null): void;
  /** HELD reservations due at the claim's time, oldest first, that no other transaction had locked. */
  due(): Reservation[];
}

/** The expiry sweep's port: one unit of work per batch. */
export const INVENTORY_COMMANDS = Symbol('INVENTORY_COMMANDS');
export type InventoryCommands = UnitsOfWork<InventoryUnitOfWork, InventoryClaim>;
