import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { buildEnvelope } from '@ordermesh/platform';
import { Order, OrderLine, OrderSnapshot } from '../../domain/order.aggregate';
import { IdempotencyKeyReusedError, OrderNotFoundError } from '../../domain/order.errors';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { ORDER_PLACEMENTS, OrderPlacements } from '../ports/order-placements.port';
import { ORDER_QUERIES, OrderQueries } from '../ports/order-queries.port';

export interface PlaceOrderCommand {
  customerId: string;
  lines: OrderLine[];
  idempotencyKey: string | null;
  correlationId: string;
}

export interface PlaceOrderResult {
  order: OrderSnapshot;
  /** false when an earlier request with the same Idempotency-Key already created this order. */
  created: boolean;
}

/** Places a PENDING order; the order and its OrderPlaced event commit together (one statement). */
@Injectable()
export class PlaceOrderHandler {
  constructor(
    @Inject(ORDER_PLACEMENTS) private readonly placements: OrderPlacements,
    @Inject(ORDER_QUERIES) private readonly queries: OrderQueries,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(cmd: PlaceOrderCommand): Promise<PlaceOrderResult> {
    const now = this.clock.now();
    const order = Order.place({
      id: this.ids.next(),
      customerId: cmd.customerId,
      lines: cmd.lines,
      now,
      correlationId: cmd.correlationId,
    });
    const [placed] = order.pullEvents();
    if (placed?.type !== 'OrderPlaced') throw new Error('Order.place must raise OrderPlaced');
    const envelope = buildEnvelope(
      'order',
      'OrderPlaced',
      order.id,
      placed.payload,
      { correlationId: cmd.correlationId, causationId: null },
      now,
    );
    const claim = cmd.idempotencyKey ? { key: cmd.idempotencyKey, requestHash: requestHash(cmd) } : null;
    const result = await this.placements.place(order, envelope, claim);
    if (result.inserted) return { order: order.snapshot(), created: true };
    if (result.existing.requestHash !== claim?.requestHash)
      throw new IdempotencyKeyReusedError(claim!.key, result.existing.orderId);
    const existing = await this.queries.findById(result.existing.orderId);
    if (!existing) throw new OrderNotFoundError(result.existing.orderId);
    return { order: existing.snapshot(), created: false };
  }
}

/** What "the same request" means for an idempotency key: same customer, same lines in the same order. */
export function requestHash(cmd: Pick<PlaceOrderCommand, 'customerId' | 'lines'>): string {
  const canonical = JSON.stringify([cmd.customerId, cmd.lines.map((l) => [l.sku, l.quantity])]);
  return createHash('sha256').update(canonical).digest('hex');
}
