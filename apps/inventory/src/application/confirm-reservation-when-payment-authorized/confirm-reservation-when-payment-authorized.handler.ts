import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox, buildEnvelope, Queryable } from '@ordermesh/platform';
import { RESERVATION_REPOSITORY, ReservationRepository } from '../ports/reservation.repository.port';

export type ConfirmOutcome = 'confirmed' | 'ignored' | 'no-reservation';

/**
 * Saga step 5: a HELD reservation whose payment was authorized no longer expires. The reservation row is locked,
 * as the expiry sweep locks it, so exactly one of ReservationConfirmed and ReservationExpired is ever emitted.
 * An EXPIRED or RELEASED reservation stays as it is: the order is being cancelled and the payment voids then.
 */
@Injectable()
export class ConfirmReservationWhenPaymentAuthorized {
  constructor(@Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository) {}

  async execute(event: EnvelopeOf<'PaymentAuthorized'>, tx: Queryable): Promise<ConfirmOutcome> {
    const { orderId, paymentId } = event.payload;
    const reservation = await this.reservations.lockByOrder(tx, orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.confirm(paymentId);
    if (!t.applied) return 'ignored';
    await this.reservations.save(tx, [reservation], t.stockMove);
    const payload = { orderId, reservationId: reservation.id, paymentId };
    const ctx = { correlationId: event.correlationId, causationId: event.eventId };
    await appendToOutbox(tx, 'reservation', [
      buildEnvelope('inventory', 'ReservationConfirmed', orderId, payload, ctx),
    ]);
    return 'confirmed';
  }
}
