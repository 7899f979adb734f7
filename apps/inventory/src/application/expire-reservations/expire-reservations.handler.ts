import { Inject, Injectable } from '@nestjs/common';
import { appendToOutbox, buildEnvelope, Queryable } from '@ordermesh/platform';
import { CLOCK, Clock } from '../ports/clock.port';
import { RESERVATION_REPOSITORY, ReservationRepository } from '../ports/reservation.repository.port';

export const EXPIRY_BATCH_SIZE = 100;

export interface ExpiryBatchResult {
  /** Due reservations this batch locked; a full batch means more may be waiting. */
  scanned: number;
  expired: number;
}

/**
 * Saga step 13, one batch in the caller's transaction: HELD reservations past expiresAt become EXPIRED, their
 * units go back to available, and each emits ReservationExpired (no causing event; the saga's correlation id
 * stored at reservation time, else the order id). Due rows another transaction has locked are skipped, so
 * sweepers on several instances share the work and a confirmation in progress wins over the sweep.
 */
@Injectable()
export class ExpireReservations {
  constructor(
    @Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(tx: Queryable, batchSize = EXPIRY_BATCH_SIZE): Promise<ExpiryBatchResult> {
    const now = this.clock.now();
    const due = await this.reservations.lockDue(tx, now, batchSize);
    const expired = due.map((r) => ({ r, t: r.expire(now) })).filter(({ t }) => t.applied);
    const first = expired[0]?.t;
    if (!first?.applied) return { scanned: due.length, expired: 0 };
    // Every expiry is the same transition (HELD → EXPIRED, reserved → available): one statement for the batch.
    await this.reservations.save(
      tx,
      expired.map(({ r }) => r),
      first.stockMove,
    );
    await appendToOutbox(
      tx,
      'reservation',
      expired.map(({ r }) =>
        buildEnvelope(
          'inventory',
          'ReservationExpired',
          r.orderId,
          { orderId: r.orderId, reservationId: r.id },
          {
            correlationId: r.correlationId ?? r.orderId,
            causationId: null,
            traceparent: r.traceparent ?? undefined,
          },
          now,
        ),
      ),
    );
    return { scanned: due.length, expired: expired.length };
  }
}
