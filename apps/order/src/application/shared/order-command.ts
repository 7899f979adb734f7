import { Inject, Injectable } from '@nestjs/common';
import { continueTrace } from '@ordermesh/platform';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { CLOCK, Clock } from '../ports/clock.port';
import { ORDER_QUERIES, OrderQueries } from '../ports/order-queries.port';
import { ORDER_COMMANDS, OrderCommands } from '../ports/order-unit-of-work.port';
import { historyOfPublished } from './order-history';
import { raisedBy } from './order-saga-step';

/** A customer command on one order, as one unit of work: take the locked order, apply the (throwing) rule, save. */
@Injectable()
export class OrderCommand {
  constructor(
    @Inject(ORDER_COMMANDS) private readonly units: OrderCommands,
    @Inject(ORDER_QUERIES) private readonly queries: OrderQueries,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `requestCorrelationId` is used only for orders placed before correlation ids were stored. */
  async run(
    orderId: string,
    requestCorrelationId: string,
    rule: (order: Order, now: Date) => void,
  ): Promise<OrderSnapshot> {
    // The order's events stay in the saga's trace (this request's span is linked to it). Written once at placement,
    // so it is read before the unit of work rather than inside it.
    const traceparent = continueTrace(await this.queries.placementSpan(orderId));
    return this.units.run([orderId], async (work) => {
      const order = work.order(orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      const now = this.clock.now();
      rule(order, now);
      const correlationId = order.snapshot().correlationId ?? requestCorrelationId;
      const published = work.publish({ correlationId, causationId: null, traceparent }, raisedBy(order), now);
      work.save(
        order,
        published.map((e) => historyOfPublished(e, order.status)),
      );
      return order.snapshot();
    });
  }
}
