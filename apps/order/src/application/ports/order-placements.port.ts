import type { EnvelopeOf } from '@ordermesh/contracts';
import type { OutboxEntry } from '@ordermesh/platform';
import { Order } from '../../domain/order.aggregate';

export const ORDER_PLACEMENTS = Symbol('ORDER_PLACEMENTS');

export interface IdempotencyClaim {
  key: string;
  requestHash: string;
}

export type PlaceResult =
  { inserted: true } | { inserted: false; existing: { orderId: string; requestHash: string | null } };

/** Where new orders are written (the one command that creates rather than changes an order). */
export interface OrderPlacements {
  /**
   * Inserts the order, its lines, its OrderPlaced outbox row and history in ONE statement. With an idempotency
   * claim, an existing order under the same key wins and is returned instead.
   */
  place(
    order: Order,
    placed: EnvelopeOf<'OrderPlaced'> & OutboxEntry,
    claim: IdempotencyClaim | null,
  ): Promise<PlaceResult>;
}
