import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox, buildEnvelope, Queryable } from '@ordermesh/platform';
import { RESERVATION_REPOSITORY, ReservationRepository } from '../ports/reservation.repository.port';

export type CommitOutcome = 'committed' | 'ignored' | 'no-reservation';

/** Saga step 11: fulfilment of a CONFIRMED reservation moves its units reserved → committed. */
@Injectable()
export class CommitStockWhenFulfillmentRequested {
  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  async execute(event: EnvelopeOf<'OrderFulfillmentRequested'>, tx: Queryable): Promise<CommitOutcome> {
    const { orderId } = event.payload;
    const reservation = await this.reservations.lockByOrder(tx, orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.commit();
    if (!t.applied) return 'ignored';
    await this.reservations.save(tx, [reservation], t.stockMove);
    const ctx = { correlationId: event.correlationId, causationId: event.eventId };
    await appendToOutbox(tx, 'reservation', [
      buildEnvelope('inventory', 'StockCommitted', orderId, { orderId, reservationId: reservation.id }, ctx),
    ]);
    return 'committed';
  }
}
