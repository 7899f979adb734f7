import { Inject, Injectable } from '@nestjs/common';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { ORDER_REPOSITORY, OrderRepository } from '../ports/order.repository.port';

@Injectable()
export class GetOrderHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  async execute(orderId: string): Promise<OrderSnapshot> {
    const order = await this.orders.findById(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return order.snapshot();
  }
}
