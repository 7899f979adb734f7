import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Inventory priced and reserved the order: keep prices, total and reservation id. The order stays PENDING. */
@Injectable()
export class RecordReservationWhenStockReserved {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: EnvelopeOf<'StockReserved'>, tx: Queryable): Promise<void> {
    const { reservationId, lines, total, expiresAt } = event.payload;
    await this.step.apply(tx, event, (order, now) => {
      const changed = order.recordReservation(reservationId, lines, total, now);
      return { changed, linesPriced: changed, detail: { reservationId, total, expiresAt } };
    });
  }
}
