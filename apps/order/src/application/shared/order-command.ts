import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, continueTrace } from '@ordermesh/platform';
import { Order, OrderSnapshot } from '../../domain/order.aggregate';
import { OrderNotFoundError } from '../../domain/order.errors';
import { CLOCK, Clock } from '../ports/clock.port';
import { historyOfPublished, ORDER_REPOSITORY, OrderRepository } from '../ports/order.repository.port';
import { TRANSACTIONS, Transactions } from '../ports/transaction.port';

/** A customer command on one order: lock it, apply the (throwing) domain rule, save state + events + history. */
@Injectable()
export class OrderCommand {
  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(TRANSACTIONS) private readonly transactions: Transactions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `requestCorrelationId` is used only for orders placed before correlation ids were stored. */
  run(
    orderId: string,
    requestCorrelationId: string,
    rule: (order: Order, now: Date) => void,
  ): Promise<OrderSnapshot> {
    return this.transactions.run(async (tx) => {
      const order = await this.orders.lockById(tx, orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      const now = this.clock.now();
      rule(order, now);
      const correlationId = order.snapshot().correlationId ?? requestCorrelationId;
      // The order's events stay in the saga's trace (this request's span is linked to it).
      const traceparent = continueTrace(await this.orders.placementSpan(tx, orderId));
      const outbox = order
        .pullEvents()
        .map((e) =>
          buildEnvelope(
            'order',
            e.type,
            order.id,
            e.payload,
            { correlationId, causationId: null, traceparent },
            now,
          ),
        );
      await this.orders.save(
        tx,
        order,
        outbox,
        outbox.map((e) => historyOfPublished(e, order.status)),
        false,
      );
      return order.snapshot();
    });
  }
}
