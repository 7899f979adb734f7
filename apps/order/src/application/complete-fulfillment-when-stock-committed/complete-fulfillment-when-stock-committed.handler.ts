import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Inventory committed the stock; with the capture also in, the order is FULFILLED. */
@Injectable()
export class CompleteFulfillmentWhenStockCommitted {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'StockCommitted'>>, tx: Queryable): Promise<void> {
    await this.step.apply(tx, event, (order, now) => ({
      changed: order.markStockCommitted(now),
      detail: { reservationId: event.payload.reservationId },
    }));
  }
}
