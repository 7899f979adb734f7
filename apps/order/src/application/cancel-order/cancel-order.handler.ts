import { Injectable } from '@nestjs/common';
import { OrderSnapshot } from '../../domain/order.aggregate';
import { OrderCommand } from '../shared/order-command';

/** The customer cancels: PENDING or CONFIRMED (before fulfilment) → CANCELLED; the saga compensates. */
@Injectable()
export class CancelOrderHandler {
  constructor(private readonly command: OrderCommand) {}

  execute(orderId: string, correlationId: string): Promise<OrderSnapshot> {
    return this.command.run(orderId, correlationId, (order, now) => order.cancelByCustomer(now));
  }
}
