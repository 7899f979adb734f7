import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** Payment captured the money; with the stock also committed, the order is FULFILLED. */
@Injectable()
export class CompleteFulfillmentWhenPaymentCaptured implements Reaction<
  OrderUnitOfWork,
  string,
  'PaymentCaptured'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'PaymentCaptured'>>, work: OrderUnitOfWork): Promise<void> {
    const { paymentId, amount } = event.payload;
    this.step.apply(work, event, (order, now) => ({
      changed: order.markPaymentCaptured(now),
      detail: { paymentId, amount },
    }));
  }
}
