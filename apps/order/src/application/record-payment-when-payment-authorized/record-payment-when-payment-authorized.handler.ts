import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/**
 * Payment authorized the money. The order does not confirm yet: it confirms on inventory's ReservationConfirmed,
 * which is decided against the reservation's expiry (see ARCHITECTURE.md, "The order saga").
 */
@Injectable()
export class RecordPaymentWhenPaymentAuthorized {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'PaymentAuthorized'>>, tx: Queryable): Promise<void> {
    const { paymentId, amount } = event.payload;
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.recordPayment(paymentId, now),
      detail: { paymentId, amount },
    }));
  }
}
