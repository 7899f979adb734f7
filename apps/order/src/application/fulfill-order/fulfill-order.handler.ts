import { Injectable } from '@nestjs/common';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderCommand } from '../shared/order-command';

/** CONFIRMED order: ask inventory to commit the stock and payment to capture; FULFILLED when both are done. */
@Injectable()
export class FulfillOrderHandler {
  constructor(private readonly command: OrderCommand) {}

  execute(orderId: string, correlationId: string): Promise<OrderSnapshot> {
    return this.command.run(orderId, correlationId, (order, now) => order.requestFulfillment(now));
  }
}
