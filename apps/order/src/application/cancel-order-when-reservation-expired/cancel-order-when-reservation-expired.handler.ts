import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** The reservation ran out before confirmation: cancel (EXPIRED); payment voids any authorization on OrderCancelled. */
@Injectable()
export class CancelOrderWhenReservationExpired implements Reaction<
  OrderUnitOfWork,
  string,
  'ReservationExpired'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'ReservationExpired'>>, work: OrderUnitOfWork): Promise<void> {
    this.step.apply(work, event, (order, now) => ({
      changed: order.failSaga('EXPIRED', now),
      detail: { reservationId: event.payload.reservationId },
    }));
  }
}
