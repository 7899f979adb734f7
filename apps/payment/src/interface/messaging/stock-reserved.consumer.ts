import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf } from '@ordermesh/contracts';
import { HandlerContext } from '@ordermesh/platform';
import { AuthorizePaymentWhenStockReserved } from '../../application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';

@Controller()
export class StockReservedConsumer {
  private readonly log = new Logger('StockReservedConsumer');

  constructor(private readonly authorize: AuthorizePaymentWhenStockReserved) {}

  @EventPattern('StockReserved')
  async handle(@Payload() ctx: HandlerContext<EnvelopeOf<'StockReserved'>>): Promise<void> {
    const outcome = await this.authorize.execute(ctx.envelope, ctx.tx);
    const { eventId, correlationId, aggregateId: orderId } = ctx.envelope;
    this.log.log({ orderId, eventId, correlationId, outcome }, 'StockReserved handled');
  }
}
