import type { Queryable } from '@ordermesh/platform';
import { Money } from '../../domain/money';
import { Reservation, ReservedLine, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';

export const RESERVATION_REPOSITORY = Symbol('RESERVATION_REPOSITORY');

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

/** What a consumed run may touch. */
export interface RunFootprint {
  /** SKUs it may reserve (its OrderPlaced lines). */
  skus: string[];
  /** Orders whose reservations it may read or change. */
  orderIds: string[];
  /** Orders whose reserved units it may move (release, commit): the stock of their lines is locked too. */
  movingOrderIds: string[];
}

/**
 * Reservations and the stock they hold. Every method runs on the caller's transaction (`tx`), so the effect, the
 * inbox row and the outbox rows commit together; locks taken here are held until that transaction ends.
 */
export interface ReservationRepository {
  /**
   * Locks the stock rows of `skus` in SKU order (so concurrent reservations cannot deadlock) and returns price and
   * available units of those that exist. Unknown SKUs are simply absent.
   */
  lockStock(tx: Queryable, skus: readonly string[]): Promise<StockOffer[]>;
  /**
   * Writes a HELD reservation with its lines and moves the units available → reserved, in one statement.
   * Returns false, writing nothing, when the order already has a reservation. Call with the stock rows locked.
   */
  insertHeld(tx: Queryable, reservation: NewReservation): Promise<boolean>;
  existsForOrder(tx: Queryable, orderId: string): Promise<boolean>;
  /** The order's reservation, its row locked for the rest of the transaction; null if the order has none. */
  lockByOrder(tx: Queryable, orderId: string): Promise<Reservation | null>;
  /**
   * Up to `limit` HELD reservations due at `now`, oldest first, locked; rows another transaction holds are skipped
   * (SKIP LOCKED), so several sweepers, and a sweeper racing a confirmation, never block or decide twice.
   */
  lockDue(tx: Queryable, now: Date, limit: number): Promise<Reservation[]>;
  /**
   * Persists the status (and payment id) of reservations that made the same transition, and applies its stock move
   * to all their lines, in one statement.
   */
  save(tx: Queryable, reservations: readonly Reservation[], stockMove: StockMove | null): Promise<void>;
  /**
   * Runs `fn` (a consumed run of events) with what it may touch locked and read together up front; the methods above
   * work on that state for `tx` inside `fn`, and the net result is written with one statement before this returns.
   * Same outcome as the per-event path (a reaction that moves stock the footprint did not name fails the run, which
   * is then replayed event by event).
   */
  withinRun<T>(tx: Queryable, footprint: RunFootprint, fn: () => Promise<T>): Promise<T>;
}
