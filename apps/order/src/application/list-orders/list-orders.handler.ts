import { Inject, Injectable } from '@nestjs/common';
import { OrderStatus } from '../../domain/order-status';
import { ORDER_QUERIES, OrderPage, OrderQueries } from '../ports/order-queries.port';

@Injectable()
export class ListOrdersHandler {
  constructor(@Inject(ORDER_QUERIES) private readonly orders: OrderQueries) {}

  execute(
    filter: { customerId?: string; status?: OrderStatus },
    limit: number,
    cursor: string | null,
  ): Promise<OrderPage> {
    return this.orders.list(filter, limit, cursor);
  }
}
