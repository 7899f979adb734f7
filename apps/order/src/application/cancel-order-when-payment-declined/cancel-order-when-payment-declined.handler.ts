import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** The payment was declined: cancel (PAYMENT_DECLINED); inventory releases the stock on OrderCancelled. */
@Injectable()
export class CancelOrderWhenPaymentDeclined implements Reaction<OrderUnitOfWork, string, 'PaymentDeclined'> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'PaymentDeclined'>>, work: OrderUnitOfWork): Promise<void> {
    const { reason, paymentId } = event.payload;
    this.step.apply(work, event, (order, now) => ({
      changed: order.failSaga('PAYMENT_DECLINED', now),
      detail: { reason, paymentId },
    }));
  }
}
