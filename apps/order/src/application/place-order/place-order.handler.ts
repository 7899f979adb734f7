import { Inject, Injectable } from '@nestjs/common';
import { Order, OrderLine, OrderSnapshot } from '../../domain/order.aggregate';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { ORDER_REPOSITORY, OrderRepository } from '../ports/order.repository.port';

export interface PlaceOrderCommand {
  customerId: string;
  lines: OrderLine[];
}

@Injectable()
export class PlaceOrderHandler {
  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: PlaceOrderCommand): Promise<OrderSnapshot> {
    const order = Order.place({ id: this.ids.next(), customerId: cmd.customerId, lines: cmd.lines, now: this.clock.now() });
    await this.orders.insert(order);
    return order.snapshot();
  }
}
