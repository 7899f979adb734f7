import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** Inventory committed the stock; with the capture also in, the order is FULFILLED. */
@Injectable()
export class CompleteFulfillmentWhenStockCommitted implements Reaction<
  OrderUnitOfWork,
  string,
  'StockCommitted'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'StockCommitted'>>, work: OrderUnitOfWork): Promise<void> {
    this.step.apply(work, event, (order, now) => ({
      changed: order.markStockCommitted(now),
      detail: { reservationId: event.payload.reservationId },
    }));
  }
}
