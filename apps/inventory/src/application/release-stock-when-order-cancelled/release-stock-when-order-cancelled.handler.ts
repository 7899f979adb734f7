import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox, buildEnvelope, Queryable } from '@ordermesh/platform';
import { RESERVATION_REPOSITORY, ReservationRepository } from '../ports/reservation.repository.port';

export type ReleaseOutcome = 'released' | 'ignored' | 'no-reservation';

/** Saga step 8: a cancelled order's HELD or CONFIRMED reservation gives its units back to available. */
@Injectable()
export class ReleaseStockWhenOrderCancelled {
  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  async execute(event: EnvelopeOf<'OrderCancelled'>, tx: Queryable): Promise<ReleaseOutcome> {
    const { orderId } = event.payload;
    const reservation = await this.reservations.lockByOrder(tx, orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.release();
    if (!t.applied) return 'ignored';
    await this.reservations.save(tx, [reservation], t.stockMove);
    const payload = { orderId, reservationId: reservation.id, reason: 'ORDER_CANCELLED' as const };
    const ctx = { correlationId: event.correlationId, causationId: event.eventId };
    await appendToOutbox(tx, 'reservation', [
      buildEnvelope('inventory', 'StockReleased', orderId, payload, ctx),
    ]);
    return 'released';
  }
}
