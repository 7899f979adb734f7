import { Inject, Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError, type NewEvent, type TracedEnvelope } from '@ordermesh/platform';
import { Order } from '../../domain/order.aggregate';
import { CLOCK, Clock } from '../ports/clock.port';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { historyOf, historyOfPublished } from './order-history';

export interface StepResult {
  /** Whether the order changed (false: a redelivered, late or irrelevant event — recorded in history only). */
  changed: boolean;
  detail?: Record<string, unknown>;
}

/** Every order reaction claims the order its event is keyed by. */
export const theOrderOf = (event: EventEnvelope): string => event.aggregateId;

/** The events the order raised, as the unit of work publishes them (keyed by the order). */
export function raisedBy(order: Order): NewEvent[] {
  return order
    .pullEvents()
    .map((e) => ({ type: e.type, aggregateId: order.id, payload: e.payload }) as NewEvent);
}

/**
 * The shape of every order reaction: take the (locked) order, apply one guarded domain transition, then save the new
 * state, the events it raised (caused by the incoming event) and the history — all written when the unit commits.
 */
@Injectable()
export class OrderSagaStep {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  apply(
    work: OrderUnitOfWork,
    cause: TracedEnvelope,
    transition: (order: Order, now: Date) => StepResult,
  ): Order {
    const order = work.order(cause.aggregateId);
    // Every saga event is keyed by an order this service created; anything else is a producer bug to look at.
    if (!order)
      throw new PermanentHandlerError(`order ${cause.aggregateId} does not exist`, 'ORDER.UNKNOWN_ORDER');
    const result = transition(order, this.clock.now());
    const status = order.status;
    if (!result.changed) {
      work.appendHistory(order.id, [historyOf(cause, status, { effect: 'none', ...result.detail })]);
      return order;
    }
    const published = work.publish(cause, raisedBy(order));
    work.save(order, [
      historyOf(cause, status, result.detail ?? {}),
      ...published.map((e) => historyOfPublished(e, status)),
    ]);
    return order;
  }
}
