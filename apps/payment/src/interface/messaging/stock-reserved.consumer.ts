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
    const fields = { orderId, eventId, correlationId, outcome };
    // Skips are expected in a choreographed saga (a cancellation overtook the reservation, a redelivery) but worth a line.
    if (outcome === 'AUTHORIZED' || outcome === 'DECLINED') this.log.debug(fields, 'StockReserved handled');
    else this.log.log(fields, 'StockReserved: no authorization attempted');
  }
}
