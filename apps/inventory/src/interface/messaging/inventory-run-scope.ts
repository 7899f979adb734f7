import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EnvelopeOf, EventEnvelope } from '@ordermesh/contracts';
import { MessagingRuntime } from '@ordermesh/platform';
import {
  RESERVATION_REPOSITORY,
  ReservationRepository,
  RunFootprint,
} from '../../application/ports/reservation.repository.port';

/**
 * Consumed runs (one partition's batch, one transaction) lock and read the stock rows and reservations their
 * reactions may touch up front, and write the net result with one statement (`ReservationRepository.withinRun`):
 * a constant number of round trips per run instead of two or three per event. Locking everything first, stock by
 * SKU and then reservations by id, is also what keeps runs on different partitions from deadlocking.
 */
@Injectable()
export class InventoryRunScope implements OnModuleInit {
  constructor(
    private readonly runtime: MessagingRuntime,
    @Inject(RESERVATION_REPOSITORY) private readonly reservations: ReservationRepository,
  ) {}

  onModuleInit(): void {
    this.runtime.batchScope = (tx, envelopes, run) =>
      this.reservations.withinRun(tx, whatARunTouches(envelopes), run);
  }
}

/**
 * What a run may touch: the SKUs it may reserve (OrderPlaced lines), the orders whose reservations it may read or
 * change (all of them), and those whose reserved units it may move (cancelled or fulfilled orders).
 */
export function whatARunTouches(envelopes: EventEnvelope[]): RunFootprint {
  const skus = new Set<string>();
  const orderIds = new Set<string>();
  const moving = new Set<string>();
  for (const e of envelopes) {
    orderIds.add(e.aggregateId);
    if (e.eventType === 'OrderPlaced') {
      for (const line of (e as EnvelopeOf<'OrderPlaced'>).payload.lines) skus.add(line.sku);
    } else if (e.eventType === 'OrderCancelled' || e.eventType === 'OrderFulfillmentRequested') {
      moving.add(e.aggregateId);
    }
  }
  return { skus: [...skus], orderIds: [...orderIds], movingOrderIds: [...moving] };
}
