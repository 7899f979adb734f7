import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Payment captured the money; with the stock also committed, the order is FULFILLED. */
@Injectable()
export class CompleteFulfillmentWhenPaymentCaptured {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'PaymentCaptured'>>, tx: Queryable): Promise<void> {
    const { paymentId, amount } = event.payload;
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.markPaymentCaptured(now),
      detail: { paymentId, amount },
    }));
  }
}
