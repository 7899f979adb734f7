import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Queryable } from '@ordermesh/platform';
import type { TracedEnvelope } from '../ports/order.repository.port';
import { OrderSagaStep } from '../shared/order-saga-step';

/** Inventory priced and reserved the order: keep prices, total and reservation id. The order stays PENDING. */
@Injectable()
export class RecordReservationWhenStockReserved {
  constructor(private readonly step: OrderSagaStep) {}

  async execute(event: TracedEnvelope<EnvelopeOf<'StockReserved'>>, tx: Queryable): Promise<void> {
    const { reservationId, lines, total, expiresAt } = event.payload;
    await this.step.apply(tx, event, (order, now) => {
      const changed = order.recordReservation(reservationId, lines, total, now);
      const units = lines.reduce((n, l) => n + l.quantity, 0);
      return {
        changed,
        linesPriced: changed,
        detail: { reservationId, lines: lines.length, units, total, expiresAt },
      };
    });
  }
}
