import type { CancellationReason, Money, PayloadOf } from '@ordermesh/contracts';
import { InvalidOrderError, OrderNotCancellableError, OrderNotFulfillableError } from './order.errors';
import { OrderStatus } from './order-status';

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 10_000;

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice?: Money | null;
}

export interface OrderSnapshot {
  id: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  totalAmount: number | null;
  currency: string | null;
  cancellationReason: CancellationReason | null;
  reservationId: string | null;
  paymentId: string | null;
  /** The saga's correlation id: every event about this order carries it. */
  correlationId: string | null;
  fulfillmentRequestedAt: Date | null;
  stockCommittedAt: Date | null;
  paymentCapturedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Events the order publishes; their payloads are the published contracts'. */
export type OrderEvent =
  | { type: 'OrderPlaced'; payload: PayloadOf<'OrderPlaced'> }
  | { type: 'OrderConfirmed'; payload: PayloadOf<'OrderConfirmed'> }
  | { type: 'OrderCancelled'; payload: PayloadOf<'OrderCancelled'> }
  | { type: 'OrderFulfillmentRequested'; payload: PayloadOf<'OrderFulfillmentRequested'> }
  | { type: 'OrderFulfilled'; payload: PayloadOf<'OrderFulfilled'> };

/**
 * The order aggregate. Invariants: 1..100 lines, one line per SKU, positive integer quantities; prices come from
 * inventory (clients never send prices). Every transition is guarded by the current state, so an event delivered
 * twice or late changes nothing and returns no events.
 */
export class Order {
  private pending: OrderEvent[] = [];

  private constructor(private state: OrderSnapshot) {}

  static place(input: {
    id: string;
    customerId: string;
    lines: OrderLine[];
    now: Date;
    correlationId?: string;
  }): Order {
    const { lines } = input;
    if (lines.length === 0) throw new InvalidOrderError('ORDER.NO_LINES', 'An order needs at least one line');
    if (lines.length > MAX_ORDER_LINES) {
      throw new InvalidOrderError('ORDER.TOO_MANY_LINES', `An order has at most ${MAX_ORDER_LINES} lines`, {
        lines: lines.length,
      });
    }
    const seen = new Set<string>();
    for (const line of lines) {
      if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
        throw new InvalidOrderError(
          'ORDER.INVALID_QUANTITY',
          `Quantity for ${line.sku} must be 1..${MAX_LINE_QUANTITY}`,
          {
            sku: line.sku,
            quantity: line.quantity,
          },
        );
      }
      if (seen.has(line.sku))
        throw new InvalidOrderError('ORDER.DUPLICATE_SKU', `SKU ${line.sku} appears more than once`, {
          sku: line.sku,
        });
      seen.add(line.sku);
    }
    const order = new Order({
      id: input.id,
      customerId: input.customerId,
      status: 'PENDING',
      lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: null })),
      totalAmount: null,
      currency: null,
      cancellationReason: null,
      reservationId: null,
      paymentId: null,
      correlationId: input.correlationId ?? null,
      fulfillmentRequestedAt: null,
      stockCommittedAt: null,
      paymentCapturedAt: null,
      version: 0,
      createdAt: input.now,
      updatedAt: input.now,
    });
    order.emit({
      type: 'OrderPlaced',
      payload: {
        orderId: input.id,
        customerId: input.customerId,
        lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      },
    });
    return order;
  }

  static restore(snapshot: OrderSnapshot): Order {
    return new Order({ ...snapshot, lines: snapshot.lines.map((l) => ({ ...l })) });
  }

  get id(): string {
    return this.state.id;
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  /** Inventory priced and reserved the lines. Only meaningful while PENDING. */
  recordReservation(
    reservationId: string,
    lines: { sku: string; unitPrice: Money }[],
    total: Money,
    now: Date,
  ): boolean {
    if (this.state.status !== 'PENDING' || this.state.reservationId) return false;
    const prices = new Map(lines.map((l) => [l.sku, l.unitPrice]));
    this.state.lines = this.state.lines.map((l) => ({ ...l, unitPrice: prices.get(l.sku) ?? null }));
    this.state.reservationId = reservationId;
    this.state.totalAmount = total.amount;
    this.state.currency = total.currency;
    this.touch(now);
    return true;
  }

  recordPayment(paymentId: string, now: Date): boolean {
    if (this.state.paymentId === paymentId) return false;
    this.state.paymentId = paymentId;
    this.touch(now);
    return true;
  }

  /** Stock is held for good and the money authorized (inventory's ReservationConfirmed). */
  confirm(paymentId: string, now: Date): boolean {
    if (this.state.status !== 'PENDING') return false;
    this.state.status = 'CONFIRMED';
    this.state.paymentId = paymentId;
    this.touch(now);
    this.emit({
      type: 'OrderConfirmed',
      payload: {
        orderId: this.state.id,
        paymentId,
        total: { amount: this.state.totalAmount ?? 0, currency: this.state.currency ?? 'XXX' },
        placedAt: this.placedAt(),
      },
    });
    return true;
  }

  /** A saga step failed (out of stock, declined, expired): cancel if still PENDING. */
  failSaga(reason: Exclude<CancellationReason, 'CUSTOMER_REQUEST'>, now: Date): boolean {
    if (this.state.status !== 'PENDING') return false;
    this.cancelNow(reason, now);
    return true;
  }

  /** The customer cancels: allowed while PENDING, or CONFIRMED before fulfilment was requested. */
  cancelByCustomer(now: Date): void {
    const { status, fulfillmentRequestedAt } = this.state;
    if (status !== 'PENDING' && status !== 'CONFIRMED') {
      throw new OrderNotCancellableError(this.state.id, status, `it is ${status}`);
    }
    if (fulfillmentRequestedAt)
      throw new OrderNotCancellableError(this.state.id, status, 'fulfilment was already requested');
    this.cancelNow('CUSTOMER_REQUEST', now);
  }

  requestFulfillment(now: Date): void {
    if (this.state.status !== 'CONFIRMED') {
      throw new OrderNotFulfillableError(
        this.state.id,
        this.state.status,
        `it is ${this.state.status}, not CONFIRMED`,
      );
    }
    if (this.state.fulfillmentRequestedAt) {
      throw new OrderNotFulfillableError(
        this.state.id,
        this.state.status,
        'fulfilment was already requested',
      );
    }
    this.state.fulfillmentRequestedAt = now;
    this.touch(now);
    this.emit({ type: 'OrderFulfillmentRequested', payload: { orderId: this.state.id } });
  }

  markStockCommitted(now: Date): boolean {
    if (this.state.stockCommittedAt || !this.state.fulfillmentRequestedAt) return false;
    this.state.stockCommittedAt = now;
    this.completeFulfillmentIfDone(now);
    return true;
  }

  markPaymentCaptured(now: Date): boolean {
    if (this.state.paymentCapturedAt || !this.state.fulfillmentRequestedAt) return false;
    this.state.paymentCapturedAt = now;
    this.completeFulfillmentIfDone(now);
    return true;
  }

  /** Events raised since the last call; the caller publishes them through the outbox with the new state. */
  pullEvents(): OrderEvent[] {
    const events = this.pending;
    this.pending = [];
    return events;
  }

  snapshot(): OrderSnapshot {
    return { ...this.state, lines: this.state.lines.map((l) => ({ ...l })) };
  }

  private completeFulfillmentIfDone(now: Date): void {
    this.touch(now);
    if (this.state.status === 'CONFIRMED' && this.state.stockCommittedAt && this.state.paymentCapturedAt) {
      this.state.status = 'FULFILLED';
      this.emit({ type: 'OrderFulfilled', payload: { orderId: this.state.id, placedAt: this.placedAt() } });
    }
  }

  private cancelNow(reason: CancellationReason, now: Date): void {
    const previousStatus = this.state.status as 'PENDING' | 'CONFIRMED';
    this.state.status = 'CANCELLED';
    this.state.cancellationReason = reason;
    this.touch(now);
    this.emit({
      type: 'OrderCancelled',
      payload: { orderId: this.state.id, reason, previousStatus, placedAt: this.placedAt() },
    });
  }

  /** OrderPlaced's occurredAt is the order's creation time (one clock reading when placing). */
  private placedAt(): string {
    return this.state.createdAt.toISOString();
  }

  private touch(now: Date): void {
    this.state.updatedAt = now;
  }

  private emit(event: OrderEvent): void {
    this.pending.push(event);
  }
}
