import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import {
  activeTraceCarrier,
  appendToOutbox,
  buildEnvelope,
  PermanentHandlerError,
  Queryable,
} from '@ordermesh/platform';
import { allocate, mergeBySku, ReservationTotalOverflowError } from '../../domain/stock-allocation';
import {
  CLOCK,
  Clock,
  ID_GENERATOR,
  IdGenerator,
  RESERVATION_POLICY,
  ReservationPolicy,
} from '../ports/clock.port';
import { RESERVATION_REPOSITORY, ReservationRepository } from '../ports/reservation.repository.port';

export type ReserveOutcome = 'reserved' | 'failed' | 'already-reserved';

/**
 * Saga step 2: reserve every line of a placed order, all or nothing, priced from the catalogue, until
 * now + TTL. Emits StockReserved or StockReservationFailed. A second OrderPlaced for an order that already has a
 * reservation changes nothing and emits nothing.
 */
@Injectable()
export class ReserveStockWhenOrderPlaced {
  constructor(
    @Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(RESERVATION_POLICY) private readonly policy: ReservationPolicy,
  ) {}

  async execute(event: EnvelopeOf<'OrderPlaced'>, tx: Queryable): Promise<ReserveOutcome> {
    const { orderId, customerId } = event.payload;
    const ctx = { correlationId: event.correlationId, causationId: event.eventId };
    const skus = mergeBySku(event.payload.lines).map((l) => l.sku);
    // Locking first also serialises a duplicate OrderPlaced behind the original (they share SKUs), so the
    // existence checks below see its reservation once it has committed.
    const offers = await this.reservations.lockStock(tx, skus);
    let allocation;
    try {
      allocation = allocate(event.payload.lines, offers);
    } catch (err) {
      if (err instanceof ReservationTotalOverflowError)
        throw new PermanentHandlerError(err.message, err.code);
      throw err;
    }

    if (!allocation.ok) {
      if (await this.reservations.existsForOrder(tx, orderId)) return 'already-reserved';
      const payload = { orderId, reason: allocation.reason, skus: allocation.skus };
      await appendToOutbox(tx, 'reservation', [
        buildEnvelope('inventory', 'StockReservationFailed', orderId, payload, ctx),
      ]);
      return 'failed';
    }

    const reservationId = this.ids.next();
    const expiresAt = new Date(this.clock.now().getTime() + this.policy.ttlMs);
    const inserted = await this.reservations.insertHeld(tx, {
      id: reservationId,
      orderId,
      customerId,
      lines: allocation.lines,
      total: allocation.total,
      expiresAt,
      correlationId: event.correlationId,
      traceparent: activeTraceCarrier().traceparent ?? null,
    });
    if (!inserted) return 'already-reserved';
    const payload = {
      orderId,
      customerId,
      reservationId,
      lines: allocation.lines,
      total: allocation.total,
      expiresAt: expiresAt.toISOString(),
    };
    await appendToOutbox(tx, 'reservation', [
      buildEnvelope('inventory', 'StockReserved', orderId, payload, ctx),
    ]);
    return 'reserved';
  }
}
