import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction } from '@ordermesh/platform';
import type { InventoryClaim, InventoryUnitOfWork } from '../ports/inventory-unit-of-work.port';

export type ConfirmOutcome = 'confirmed' | 'ignored' | 'no-reservation';

/**
 * Saga step 5: a HELD reservation whose payment was authorized no longer expires. The reservation row is locked,
 * as the expiry sweep locks it, so exactly one of ReservationConfirmed and ReservationExpired is ever emitted.
 * An EXPIRED or RELEASED reservation stays as it is: the order is being cancelled and the payment voids then.
 */
@Injectable()
export class ConfirmReservationWhenPaymentAuthorized implements Reaction<
  InventoryUnitOfWork,
  InventoryClaim,
  'PaymentAuthorized'
> {
  /** The order's reservation only: confirming moves no units. */
  claims(event: EnvelopeOf<'PaymentAuthorized'>): InventoryClaim {
    return { orderId: event.payload.orderId };
  }

  async react(event: EnvelopeOf<'PaymentAuthorized'>, work: InventoryUnitOfWork): Promise<ConfirmOutcome> {
    const { orderId, paymentId } = event.payload;
    const reservation = work.reservationOf(orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.confirm(paymentId);
    if (!t.applied) return 'ignored';
    work.save(reservation, t.stockMove);
    const payload = { orderId, reservationId: reservation.id, paymentId };
    work.publish(event, [{ type: 'ReservationConfirmed', aggregateId: orderId, payload }]);
    return 'confirmed';
  }
}
