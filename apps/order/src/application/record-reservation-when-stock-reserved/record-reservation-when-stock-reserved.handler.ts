import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import type { OrderUnitOfWork } from '../ports/order-unit-of-work.port';
import { OrderSagaStep, theOrderOf } from '../shared/order-saga-step';

/** Inventory priced and reserved the order: keep prices, total and reservation id. The order stays PENDING. */
@Injectable()
export class RecordReservationWhenStockReserved implements Reaction<
  OrderUnitOfWork,
  string,
  'StockReserved'
> {
  readonly claims = theOrderOf;

  constructor(private readonly step: OrderSagaStep) {}

  async react(event: TracedEnvelope<EnvelopeOf<'StockReserved'>>, work: OrderUnitOfWork): Promise<void> {
    const { reservationId, lines, total, expiresAt } = event.payload;
    this.step.apply(work, event, (order, now) => {
      const changed = order.recordReservation(reservationId, lines, total, now);
      const units = lines.reduce((n, l) => n + l.quantity, 0);
      return {
        changed,
        detail: { reservationId, lines: lines.length, units, total, expiresAt },
      };
    });
  }
}
