import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EnvelopeOf, EventEnvelope } from '@ordermesh/contracts';
import { MessagingRuntime, Queryable } from '@ordermesh/platform';

/**
 * Consumers handle a partition's run of events in one transaction. Each reaction locks its stock rows in SKU order,
 * but a run of reactions does not (order 1 locks MUG then TEE, order 2 locks CAP): two runs on other partitions can
 * then deadlock, which costs PostgreSQL's deadlock timeout and a one-by-one replay. So a run first locks every stock
 * row it may touch, once, in the global order (SKU, COLLATE "C") that every other stock writer also follows.
 */
@Injectable()
export class BatchStockLocks implements OnModuleInit {
  constructor(private readonly runtime: MessagingRuntime) {}

  onModuleInit(): void {
    this.runtime.batchScope = async (tx, envelopes, run) => {
      await lockStockOfRun(tx, envelopes);
      return run();
    };
  }
}

export async function lockStockOfRun(tx: Queryable, envelopes: EventEnvelope[]): Promise<void> {
  const skus = new Set<string>();
  const orderIds = new Set<string>();
  for (const e of envelopes) {
    if (e.eventType === 'OrderPlaced') {
      for (const line of (e as EnvelopeOf<'OrderPlaced'>).payload.lines) skus.add(line.sku);
    } else if (e.eventType === 'OrderCancelled' || e.eventType === 'OrderFulfillmentRequested') {
      // Releasing or committing moves the units of the order's reservation lines.
      orderIds.add(e.aggregateId);
    }
  }
  if (skus.size === 0 && orderIds.size === 0) return;
  await tx.query(
    `SELECT 1 FROM stock_levels
      WHERE sku IN (SELECT unnest($1::text[])
                    UNION
                    SELECT l.sku FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
                     WHERE r.order_id = ANY($2::uuid[]))
      ORDER BY sku COLLATE "C"
        FOR UPDATE`,
    [[...skus], [...orderIds]],
  );
}
