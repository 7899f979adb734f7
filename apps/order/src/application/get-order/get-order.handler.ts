import { Inject, Injectable } from '@nestjs/common';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { ORDER_QUERIES, OrderQueries } from '../ports/order-queries.port';
import type { HistoryEntry } from '../shared/order-history';

@Injectable()
export class GetOrderHandler {
  constructor(@Inject(ORDER_QUERIES) private readonly orders: OrderQueries) {}

  async execute(orderId: string): Promise<{ order: OrderSnapshot; history: HistoryEntry[] }> {
    const order = await this.orders.findById(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return { order: order.snapshot(), history: await this.orders.history(orderId) };
  }
}
