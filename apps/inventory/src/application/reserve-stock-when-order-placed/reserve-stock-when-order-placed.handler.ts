import { Inject, Injectable } from '@nestjs/common';
import type { EnvelopeOf } from '@ordermesh/contracts';
import { activeTraceCarrier, PermanentHandlerError, type Reaction } from '@ordermesh/platform';
import { allocate, mergeBySku, ReservationTotalOverflowError } from '../../domain/stock-allocation';
import {
  CLOCK,
  Clock,
  ID_GENERATOR,
  IdGenerator,
  RESERVATION_POLICY,
  ReservationPolicy,
} from '../ports/clock.port';
import type { InventoryClaim, InventoryUnitOfWork } from '../ports/inventory-unit-of-work.port';

export type ReserveOutcome = 'reserved' | 'failed' | 'already-reserved';

/**
 * Saga step 2: reserve every line of a placed order, all or nothing, priced from the catalogue, until
 * now + TTL. Emits StockReserved or StockReservationFailed. A second OrderPlaced for an order that already has a
 * reservation changes nothing and emits nothing.
 */
@Injectable()
export class ReserveStockWhenOrderPlaced implements Reaction<
  InventoryUnitOfWork,
  InventoryClaim,
  'OrderPlaced'
> {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(RESERVATION_POLICY) private readonly policy: ReservationPolicy,
  ) {}

  /** The order's reservation (is there one already?) and the stock rows of its lines. */
  claims(event: EnvelopeOf<'OrderPlaced'>): InventoryClaim {
    return { orderId: event.payload.orderId, reserves: skusOf(event) };
  }

  async react(event: EnvelopeOf<'OrderPlaced'>, work: InventoryUnitOfWork): Promise<ReserveOutcome> {
    const { orderId, customerId } = event.payload;
    // A duplicate OrderPlaced (another event id) finds the original's reservation: its locks serialised them.
    if (work.reservationOf(orderId)) return 'already-reserved';
    let allocation;
    try {
      allocation = allocate(event.payload.lines, work.offers(skusOf(event)));
    } catch (err) {
      if (err instanceof ReservationTotalOverflowError)
        throw new PermanentHandlerError(err.message, err.code);
      throw err;
    }
    if (!allocation.ok) {
      const payload = { orderId, reason: allocation.reason, skus: allocation.skus };
      work.publish(event, [{ type: 'StockReservationFailed', aggregateId: orderId, payload }]);
      return 'failed';
    }
    const reservationId = this.ids.next();
    const expiresAt = new Date(this.clock.now().getTime() + this.policy.ttlMs);
    const held = work.hold({
      id: reservationId,
      orderId,
      customerId,
      lines: allocation.lines,
      total: allocation.total,
      expiresAt,
      correlationId: event.correlationId,
      traceparent: activeTraceCarrier().traceparent ?? null,
    });
    if (!held) return 'already-reserved';
    const payload = {
      orderId,
      customerId,
      reservationId,
      lines: allocation.lines,
      total: allocation.total,
      expiresAt: expiresAt.toISOString(),
    };
    work.publish(event, [{ type: 'StockReserved', aggregateId: orderId, payload }]);
    return 'reserved';
  }
}

const skusOf = (event: EnvelopeOf<'OrderPlaced'>): string[] =>
  mergeBySku(event.payload.lines).map((l) => l.sku);
