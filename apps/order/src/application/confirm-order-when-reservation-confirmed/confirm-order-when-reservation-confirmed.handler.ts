import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Stock is held for good and the money authorized: PENDING → CONFIRMED. */
@Injectable()
export class ConfirmOrderWhenReservationConfirmed {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'ReservationConfirmed'>>, tx: Queryable): Promise<void> {
    const { paymentId, reservationId } = event.payload;
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.confirm(paymentId, now),
      detail: { paymentId, reservationId },
    }));
  }
}
