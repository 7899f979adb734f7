import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../ports/clock.port';
import { INVENTORY_COMMANDS, InventoryCommands } from '../ports/inventory-unit-of-work.port';

export const EXPIRY_BATCH_SIZE = 100;

export interface ExpiryBatchResult {
  /** Due reservations this batch locked; a full batch means more may be waiting. */
  scanned: number;
  expired: number;
}

/**
 * Saga step 13, one batch as one unit of work: HELD reservations past expiresAt become EXPIRED, their units go back
 * to available, and each emits ReservationExpired (no causing event; the saga's correlation id and trace stored at
 * reservation time, else the order id). Due rows another transaction has locked are skipped, so sweepers on several
 * instances share the work and a confirmation in progress wins over the sweep.
 */
@Injectable()
export class ExpireReservations {
  constructor(
    @Inject(INVENTORY_COMMANDS) private readonly units: InventoryCommands,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  execute(batchSize = EXPIRY_BATCH_SIZE): Promise<ExpiryBatchResult> {
    const now = this.clock.now();
    return this.units.run([{ due: { at: now, limit: batchSize } }], async (work) => {
      const due = work.due();
      let expired = 0;
      for (const r of due) {
        const t = r.expire(now);
        if (!t.applied) continue;
        work.save(r, t.stockMove);
        const cause = {
          correlationId: r.correlationId ?? r.orderId,
          causationId: null,
          traceparent: r.traceparent ?? undefined,
        };
        const payload = { orderId: r.orderId, reservationId: r.id };
        work.publish(cause, [{ type: 'ReservationExpired', aggregateId: r.orderId, payload }], now);
        expired++;
      }
      return { scanned: due.length, expired };
    });
  }
}
