import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

type Compensation = TracedEnvelope<
  EnvelopeOf<'StockReleased'> | EnvelopeOf<'PaymentVoided'> | EnvelopeOf<'PaymentRefunded'>
>;

/** Stock released, authorization voided, capture refunded: part of the order's story, no change to its state. */
@Injectable()
export class RecordCompensationWhenCompensated implements Reaction<
  OrderUnitOfWork,
  string,
  'StockReleased' | 'PaymentVoided' | 'PaymentRefunded'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: Compensation, work: OrderUnitOfWork): Promise<void> {
    this.step.apply(work, event, () => ({
      changed: false,
      detail: { ...event.payload, effect: 'compensated' },
    }));
  }
}
