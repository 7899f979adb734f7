import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** The payment was declined: cancel (PAYMENT_DECLINED); inventory releases the stock on OrderCancelled. */
@Injectable()
export class CancelOrderWhenPaymentDeclined {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'PaymentDeclined'>>, tx: Queryable): Promise<void> {
    const { reason, paymentId } = event.payload;
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.failSaga('PAYMENT_DECLINED', now),
      detail: { reason, paymentId },
    }));
  }
}
