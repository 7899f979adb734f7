import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

type Compensation = TracedEnvelope<
  EnvelopeOf<'StockReleased'> | EnvelopeOf<'PaymentVoided'> | EnvelopeOf<'PaymentRefunded'>
>;

/** Stock released, authorization voided, capture refunded: part of the order's story, no change to its state. */
@Injectable()
export class RecordCompensationWhenCompensated {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: Compensation, tx: Queryable): Promise<void> {
    await this.step.apply(tx, event, () => ({
      changed: false,
      detail: { ...event.payload, effect: 'compensated' },
    }));
  }
}
