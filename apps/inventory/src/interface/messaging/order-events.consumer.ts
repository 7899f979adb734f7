import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { HandlerContext } from '@ordermesh/platform';
import { CommitStockWhenFulfillmentRequested } from '../../application/commit-stock-when-fulfillment-requested/commit-stock-when-fulfillment-requested.handler';
import { ReleaseStockWhenOrderCancelled } from '../../application/release-stock-when-order-cancelled/release-stock-when-order-cancelled.handler';
import { ReserveStockWhenOrderPlaced } from '../../application/reserve-stock-when-order-placed/reserve-stock-when-order-placed.handler';

/**
 * Reactions to order.events. The platform has validated the contract and opened the transaction that also
 * records the event in the inbox; each handler only runs its use case on that transaction.
 */
@Controller()
export class OrderEventsConsumer {
  constructor(
    private readonly reserveStock: ReserveStockWhenOrderPlaced,
    private readonly releaseStock: ReleaseStockWhenOrderCancelled,
    private readonly commitStock: CommitStockWhenFulfillmentRequested,
  ) {}

  @EventPattern('OrderPlaced')
  async onOrderPlaced(@Payload() ctx: HandlerContext<EnvelopeOf<'OrderPlaced'>>): Promise<void> {
    await this.reserveStock.execute(ctx.envelope, ctx.tx);
  }

  @EventPattern('OrderCancelled')
  async onOrderCancelled(@Payload() ctx: HandlerContext<EnvelopeOf<'OrderCancelled'>>): Promise<void> {
    await this.releaseStock.execute(ctx.envelope, ctx.tx);
  }

  @EventPattern('OrderFulfillmentRequested')
  async onFulfillmentRequested(
    @Payload() ctx: HandlerContext<EnvelopeOf<'OrderFulfillmentRequested'>>,
  ): Promise<void> {
    await this.commitStock.execute(ctx.envelope, ctx.tx);
  }
}
