import { randomUUID } from 'node:crypto';
import { Cause, NewEvent, OutboxEntry, RunOutbox } from '@ordermesh/platform';
import { Order } from '../../domain/order.aggregate';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import type { HistoryEntry } from '../shared/order-history';

/**
 * The order unit of work in memory, for reaction and command specs: the claimed orders, what was saved, the history
 * and the events published (built and validated against their contracts by the platform's RunOutbox).
 */
export class FakeOrderWork implements OrderUnitOfWork {
  readonly saves: Order[] = [];
  readonly history: { orderId: string; entry: HistoryEntry }[] = [];
  readonly published: OutboxEntry[] = [];
  private readonly outbox = new RunOutbox('order', 'order');
  private readonly orders: Map<string, Order>;

  constructor(...orders: Order[]) {
    this.orders = new Map(orders.map((o) => [o.id, o]));
  }

  order(id: string): Order | null {
    return this.orders.get(id) ?? null;
  }

  save(order: Order, history: HistoryEntry[]): void {
    if (this.orders.get(order.id) !== order) throw new Error(`order ${order.id} was not claimed`);
    this.saves.push(order);
    this.appendHistory(order.id, history);
  }

  appendHistory(orderId: string, history: HistoryEntry[]): void {
    for (const entry of history) this.history.push({ orderId, entry });
  }

  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[] {
    const built = this.outbox.publish(cause, events, now);
    this.published.push(...built);
    return built;
  }

  /** Event types published, and the history lines as `type:statusAfter`. */
  summary(): { published: string[]; history: string[] } {
    return {
      published: this.published.map((e) => e.eventType),
      history: this.history.map((h) => `${h.entry.eventType}:${h.entry.statusAfter}`),
    };
  }
}

export const T0 = new Date('2030-01-01T00:00:00.000Z');
export const clockAt = (now: Date = T0) => ({ now: () => now });

/** An order in the state a saga step expects, built through the domain's own transitions. */
export function orderIn(
  state: 'PENDING' | 'RESERVED' | 'CONFIRMED' | 'FULFILMENT_REQUESTED' | 'CANCELLED',
): Order {
  const order = Order.place({
    id: randomUUID(),
    customerId: randomUUID(),
    lines: [
      { sku: 'MUG-RED', quantity: 2 },
      { sku: 'TEE-BLUE', quantity: 1 },
    ],
    now: T0,
    correlationId: randomUUID(),
  });
  if (state !== 'PENDING') {
    order.recordReservation(
      randomUUID(),
      [
        { sku: 'MUG-RED', unitPrice: { amount: 1299, currency: 'EUR' } },
        { sku: 'TEE-BLUE', unitPrice: { amount: 1500, currency: 'EUR' } },
      ],
      { amount: 4098, currency: 'EUR' },
      T0,
    );
  }
  if (state === 'CONFIRMED' || state === 'FULFILMENT_REQUESTED') order.confirm(randomUUID(), T0);
  if (state === 'FULFILMENT_REQUESTED') order.requestFulfillment(T0);
  if (state === 'CANCELLED') order.cancelByCustomer(T0);
  order.pullEvents();
  return order;
}
