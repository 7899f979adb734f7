import { Inject, Injectable } from '@nestjs/common';
import { OrderStatus } from '../../domain/order-status';
import { ORDER_REPOSITORY, OrderPage, OrderRepository } from '../ports/order.repository.port';

@Injectable()
export class ListOrdersHandler {
  constructor(@Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository) {}

  execute(
    filter: { customerId?: string; status?: OrderStatus },
    limit: number,
    cursor: string | null,
  ): Promise<OrderPage> {
    return this.orders.list(filter, limit, cursor);
  }
}
