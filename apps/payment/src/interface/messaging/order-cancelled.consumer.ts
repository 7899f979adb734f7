import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf } from '@ordermesh/contracts';
import { HandlerContext } from '@ordermesh/platform';
import { VoidOrRefundWhenOrderCancelled } from '../../application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';

@Controller()
export class OrderCancelledConsumer {
  private readonly log = new Logger('OrderCancelledConsumer');

  constructor(private readonly voidOrRefund: VoidOrRefundWhenOrderCancelled) {}

  @EventPattern('OrderCancelled')
  async handle(@Payload() ctx: HandlerContext<EnvelopeOf<'OrderCancelled'>>): Promise<void> {
    const outcome = await this.voidOrRefund.execute(ctx.envelope, ctx.tx);
    const { eventId, correlationId, aggregateId: orderId } = ctx.envelope;
    this.log.debug({ orderId, eventId, correlationId, ...outcome }, 'OrderCancelled handled');
  }
}
