import type { EventPublisher, UnitsOfWork } from '@ordermesh/platform';
import { Order } from '../../domain/order.aggregate';
import type { HistoryEntry } from '../shared/order-history';

/**
 * One unit of work on orders, as reactions and commands see it: the orders it claimed, loaded and row-locked when it
 * opened; what they save is written, with the events they publish, when it commits. A claim is an order id.
 */
export interface OrderUnitOfWork extends EventPublisher {
  /** A claimed order; null if it does not exist. */
  order(id: string): Order | null;
  /** The order's new state and the history lines of this step. */
  save(order: Order, history: HistoryEntry[]): void;
  /** History only: an event that changed nothing in the order but belongs to its story. */
  appendHistory(orderId: string, history: HistoryEntry[]): void;
}

/** Customer commands on existing orders, each one unit of work over the orders it names. */
export const ORDER_COMMANDS = Symbol('ORDER_COMMANDS');
export type OrderCommands = UnitsOfWork<OrderUnitOfWork, string>;
