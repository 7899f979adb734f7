import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction } from '@ordermesh/platform';
import type { InventoryClaim, InventoryUnitOfWork } from '../ports/inventory-unit-of-work.port';

export type ReleaseOutcome = 'released' | 'ignored' | 'no-reservation';

/** Saga step 8: a cancelled order's HELD or CONFIRMED reservation gives its units back to available. */
@Injectable()
export class ReleaseStockWhenOrderCancelled implements Reaction<
  InventoryUnitOfWork,
  InventoryClaim,
  'OrderCancelled'
> {
  /** The order's reservation and the stock its lines hold. */
  claims(event: EnvelopeOf<'OrderCancelled'>): InventoryClaim {
    return { orderId: event.payload.orderId, movesStock: true };
  }

  async react(event: EnvelopeOf<'OrderCancelled'>, work: InventoryUnitOfWork): Promise<ReleaseOutcome> {
    const { orderId } = event.payload;
    const reservation = work.reservationOf(orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.release();
    if (!t.applied) return 'ignored';
    work.save(reservation, t.stockMove);
    const payload = { orderId, reservationId: reservation.id, reason: 'ORDER_CANCELLED' as const };
    work.publish(event, [{ type: 'StockReleased', aggregateId: orderId, payload }]);
    return 'released';
  }
}
