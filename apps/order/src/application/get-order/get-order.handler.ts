import { Inject, Injectable } from '@nestjs/common';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { HistoryEntry, ORDER_REPOSITORY, OrderRepository } from '../ports/order.repository.port';

@Injectable()
export class GetOrderHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  async execute(orderId: string): Promise<{ order: OrderSnapshot; history: HistoryEntry[] }> {
    const order = await this.orders.findById(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return { order: order.snapshot(), history: await this.orders.history(orderId) };
  }
}
