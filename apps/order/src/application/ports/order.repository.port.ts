import { Order } from '../../domain/order.aggregate';

export const ORDER_REPOSITORY = Symbol('ORDER_REPOSITORY');

export interface OrderRepository {
  /** Inserts a new order with its lines atomically. */
  insert(order: Order): Promise<void>;
  findById(id: string): Promise<Order | null>;
}
