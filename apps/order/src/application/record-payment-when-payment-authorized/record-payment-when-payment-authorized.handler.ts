import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/**
 * Payment authorized the money. The order does not confirm yet: it confirms on inventory's ReservationConfirmed,
 * which is decided against the reservation's expiry (see ARCHITECTURE.md, "The order saga").
 */
@Injectable()
export class RecordPaymentWhenPaymentAuthorized implements Reaction<
  OrderUnitOfWork,
  string,
  'PaymentAuthorized'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'PaymentAuthorized'>>, work: OrderUnitOfWork): Promise<void> {
    const { paymentId, amount } = event.payload;
    this.step.apply(work, event, (order, now) => ({
      changed: order.recordPayment(paymentId, now),
      detail: { paymentId, amount },
    }));
  }
}
