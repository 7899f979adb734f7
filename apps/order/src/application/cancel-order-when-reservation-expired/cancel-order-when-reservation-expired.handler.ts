import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** The reservation ran out before confirmation: cancel (EXPIRED); payment voids any authorization on OrderCancelled. */
@Injectable()
export class CancelOrderWhenReservationExpired {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'ReservationExpired'>>, tx: Queryable): Promise<void> {
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.failSaga('EXPIRED', now),
      detail: { reservationId: event.payload.reservationId },
    }));
  }
}
