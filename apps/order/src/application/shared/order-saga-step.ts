import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope, OutboxEntry, PermanentHandlerError, Queryable } from '@ordermesh/platform';
import { Order } from '../../domain/order.aggregate';
import { CLOCK, Clock } from '../ports/clock.port';
import {
  historyOf,
  historyOfPublished,
  ORDER_REPOSITORY,
  OrderRepository,
  TracedEnvelope,
} from '../ports/order.repository.port';

export interface StepResult {
  /** Whether the order changed (false: a redelivered, late or irrelevant event — recorded in history only). */
  changed: boolean;
  /** The step priced the lines (their unit prices must be written). */
  linesPriced?: boolean;
  detail?: Record<string, unknown>;
}

/**
 * The shape of every order reaction: lock the order, apply one guarded domain transition, then write the new
 * state, the events it raised (outbox, caused by the incoming event) and the history — in the inbox transaction.
 */
@Injectable()
export class OrderSagaStep {
  constructor(
    @Inject(ORDER_REPOSITORY) private readonly orders: OrderRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async apply(
    tx: Queryable,
    cause: TracedEnvelope,
    transition: (order: Order, now: Date) => StepResult,
  ): Promise<Order> {
    const order = await this.orders.lockById(tx, cause.aggregateId);
    // Every saga event is keyed by an order this service created; anything else is a producer bug to look at.
    if (!order)
      throw new PermanentHandlerError(`order ${cause.aggregateId} does not exist`, 'ORDER.UNKNOWN_ORDER');
    const result = transition(order, this.clock.now());
    const status = order.status;
    if (!result.changed) {
      await this.orders.appendHistory(tx, order.id, [
        historyOf(cause, status, { effect: 'none', ...result.detail }),
      ]);
      return order;
    }
    const outbox: OutboxEntry[] = order.pullEvents().map((e) =>
      buildEnvelope('order', e.type, order.id, e.payload, {
        correlationId: cause.correlationId,
        causationId: cause.eventId,
      }),
    );
    const history = [
      historyOf(cause, status, result.detail ?? {}),
      ...outbox.map((e) => historyOfPublished(e, status)),
    ];
    await this.orders.save(tx, order, outbox, history, result.linesPriced ?? false);
    return order;
  }
}
