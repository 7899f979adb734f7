import { Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction } from '@ordermesh/platform';
import type { InventoryClaim, InventoryUnitOfWork } from '../ports/inventory-unit-of-work.port';

export type CommitOutcome = 'committed' | 'ignored' | 'no-reservation';

/** Saga step 11: fulfilment of a CONFIRMED reservation moves its units reserved → committed. */
@Injectable()
export class CommitStockWhenFulfillmentRequested implements Reaction<
  InventoryUnitOfWork,
  InventoryClaim,
  'OrderFulfillmentRequested'
> {
  /** The order's reservation and the stock its lines hold. */
  claims(event: EnvelopeOf<'OrderFulfillmentRequested'>): InventoryClaim {
    return { orderId: event.payload.orderId, movesStock: true };
  }

  async react(
    event: EnvelopeOf<'OrderFulfillmentRequested'>,
    work: InventoryUnitOfWork,
  ): Promise<CommitOutcome> {
    const { orderId } = event.payload;
    const reservation = work.reservationOf(orderId);
    if (!reservation) return 'no-reservation';
    const t = reservation.commit();
    if (!t.applied) return 'ignored';
    work.save(reservation, t.stockMove);
    const payload = { orderId, reservationId: reservation.id };
    work.publish(event, [{ type: 'StockCommitted', aggregateId: orderId, payload }]);
    return 'committed';
  }
}
