import { Inject, Injectable } from '@nestjs/common';
import { OrderNotFoundError } from '../../domain/order.errors';
import { ORDER_QUERIES, OrderQueries } from '../ports/order-queries.port';
import { buildOrderTimeline, OrderTimeline } from './order-timeline';

/** What happened to one order, where and why: its history in causal order, each event described. */
@Injectable()
export class GetOrderTimelineHandler {
  constructor(@Inject(ORDER_QUERIES) private readonly orders: OrderQueries) {}

  async execute(orderId: string): Promise<OrderTimeline> {
    const source = await this.orders.timeline(orderId);
    if (!source) throw new OrderNotFoundError(orderId);
    return buildOrderTimeline(source);
  }
}
