import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** Stock is held for good and the money authorized: PENDING → CONFIRMED. */
@Injectable()
export class ConfirmOrderWhenReservationConfirmed implements Reaction<
  OrderUnitOfWork,
  string,
  'ReservationConfirmed'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(
    event: TracedEnvelope<EnvelopeOf<'ReservationConfirmed'>>,
    work: OrderUnitOfWork,
  ): Promise<void> {
    const { paymentId, reservationId } = event.payload;
    this.step.apply(work, event, (order, now) => ({
      changed: order.confirm(paymentId, now),
      detail: { paymentId, reservationId },
    }));
  }
}
