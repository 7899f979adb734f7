import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Inventory could not reserve: the order is cancelled with the reason inventory gave. Nothing was held. */
@Injectable()
export class CancelOrderWhenStockReservationFailed {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'StockReservationFailed'>>, tx: Queryable): Promise<void> {
    const { reason, skus } = event.payload;
    // MIXED_CURRENCY is a catalogue problem the customer cannot fix either: reported as UNKNOWN_SKU-like failure.
    const cancellation = reason === 'OUT_OF_STOCK' ? 'OUT_OF_STOCK' : 'UNKNOWN_SKU';
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.failSaga(cancellation, now),
      detail: { reason, skus },
    }));
  }
}
