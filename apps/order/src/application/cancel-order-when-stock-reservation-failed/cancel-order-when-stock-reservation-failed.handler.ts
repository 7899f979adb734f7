import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** Inventory could not reserve: the order is cancelled with the reason inventory gave. Nothing was held. */
@Injectable()
export class CancelOrderWhenStockReservationFailed implements Reaction<
  OrderUnitOfWork,
  string,
  'StockReservationFailed'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(
    event: TracedEnvelope<EnvelopeOf<'StockReservationFailed'>>,
    work: OrderUnitOfWork,
  ): Promise<void> {
    const { reason, skus } = event.payload;
    // MIXED_CURRENCY is a catalogue problem the customer cannot fix either: reported as UNKNOWN_SKU-like failure.
    const cancellation = reason === 'OUT_OF_STOCK' ? 'OUT_OF_STOCK' : 'UNKNOWN_SKU';
    this.step.apply(work, event, (order, now) => ({
      changed: order.failSaga(cancellation, now),
      detail: { reason, skus },
    }));
  }
}
