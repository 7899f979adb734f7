import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EnvelopeOf, EventEnvelope } from '@ordermesh/contracts';
import { MessagingRuntime } from '@ordermesh/platform';
import {
  RESERVATION_REPOSITORY,
  ReservationRepository,
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
    this.runtime.batchScope = (tx, envelopes, run) => {
      const { skus, orderIds } = whatARunTouches(envelopes);
      return this.reservations.withinRun(tx, skus, orderIds, run);
    };
  }
}

/** The SKUs a run may reserve (its OrderPlaced lines) and the orders whose reservations it may read or change. */
export function whatARunTouches(envelopes: EventEnvelope[]): { skus: string[]; orderIds: string[] } {
  const skus = new Set<string>();
  const orderIds = new Set<string>();
  for (const e of envelopes) {
    orderIds.add(e.aggregateId);
    if (e.eventType === 'OrderPlaced') {
      for (const line of (e as EnvelopeOf<'OrderPlaced'>).payload.lines) skus.add(line.sku);
    }
  }
  return { skus: [...skus], orderIds: [...orderIds] };
}
