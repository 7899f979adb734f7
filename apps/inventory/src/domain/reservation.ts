import { Money } from './money';

export const RESERVATION_STATUSES = ['HELD', 'CONFIRMED', 'RELEASED', 'COMMITTED', 'EXPIRED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

/**
 * How a transition moves the reservation's units between stock buckets. Units only ever move, so
 * available + reserved + committed stays constant per SKU.
 */
export type StockMove = 'RESERVED_TO_AVAILABLE' | 'RESERVED_TO_COMMITTED';

export type Transition =
  | { applied: true; from: ReservationStatus; to: ReservationStatus; stockMove: StockMove | null }
  /** Not allowed from the current status: the event is a no-op (redelivery, or the saga moved on). */
  | { applied: false; status: ReservationStatus };

export interface ReservedLine {
  sku: string;
  quantity: number;
  unitPrice: Money;
}

export interface ReservationState {
  id: string;
  orderId: string;
  status: ReservationStatus;
  expiresAt: Date;
  paymentId: string | null;
  /** The saga's correlation id, reused by events without a causing event (expiry). */
  correlationId: string | null;
  /** The saga's trace context (W3C traceparent) when it was reserved: expiry continues the same trace. */
  traceparent: string | null;
}

/**
 * A hold on stock for one order. HELD until paid (CONFIRMED), cancelled (RELEASED) or timed out (EXPIRED);
 * a CONFIRMED reservation is COMMITTED when the order is fulfilled, or RELEASED when it is cancelled.
 * Every transition is guarded by the current status, so a redelivered or late event changes nothing.
 */
export class Reservation {
  private constructor(private state: ReservationState) {}

  static rehydrate(state: ReservationState): Reservation {
    return new Reservation({ ...state });
  }

  get id(): string {
    return this.state.id;
  }
  get orderId(): string {
    return this.state.orderId;
  }
  get status(): ReservationStatus {
    return this.state.status;
  }
  get expiresAt(): Date {
    return this.state.expiresAt;
  }
  get paymentId(): string | null {
    return this.state.paymentId;
  }
  get correlationId(): string | null {
    return this.state.correlationId;
  }
  get traceparent(): string | null {
    return this.state.traceparent;
  }

  /** Payment authorized in time: the hold no longer expires. Only from HELD (never after expiry or release). */
  confirm(paymentId: string): Transition {
    const t = this.move(['HELD'], 'CONFIRMED', null);
    if (t.applied) this.state.paymentId = paymentId;
    return t;
  }

  /** The order was cancelled: units go back to available. */
  release(): Transition {
    return this.move(['HELD', 'CONFIRMED'], 'RELEASED', 'RESERVED_TO_AVAILABLE');
  }

  /** The order is being fulfilled: reserved units become committed. Only a paid (CONFIRMED) reservation. */
  commit(): Transition {
    return this.move(['CONFIRMED'], 'COMMITTED', 'RESERVED_TO_COMMITTED');
  }

  /** Time ran out before payment: units go back to available. Never a CONFIRMED reservation. */
  expire(now: Date): Transition {
    if (this.state.status === 'HELD' && this.state.expiresAt.getTime() > now.getTime()) {
      return { applied: false, status: this.state.status };
    }
    return this.move(['HELD'], 'EXPIRED', 'RESERVED_TO_AVAILABLE');
  }

  snapshot(): ReservationState {
    return { ...this.state };
  }

  private move(
    from: readonly ReservationStatus[],
    to: ReservationStatus,
    stockMove: StockMove | null,
  ): Transition {
    const current = this.state.status;
    if (!from.includes(current)) return { applied: false, status: current };
    this.state.status = to;
    return { applied: true, from: current, to, stockMove };
  }
}
