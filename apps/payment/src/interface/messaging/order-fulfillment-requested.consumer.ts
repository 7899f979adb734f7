import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf } from '@ordermesh/contracts';
import { HandlerContext } from '@ordermesh/platform';
import { CapturePaymentWhenFulfillmentRequested } from '../../application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';

@Controller()
export class OrderFulfillmentRequestedConsumer {
  private readonly log = new Logger('OrderFulfillmentRequestedConsumer');

  constructor(private readonly capture: CapturePaymentWhenFulfillmentRequested) {}

  @EventPattern('OrderFulfillmentRequested')
  async handle(@Payload() ctx: HandlerContext<EnvelopeOf<'OrderFulfillmentRequested'>>): Promise<void> {
    const outcome = await this.capture.execute(ctx.envelope, ctx.tx);
    const { eventId, correlationId, aggregateId: orderId } = ctx.envelope;
    const fields = { orderId, eventId, correlationId, ...outcome };
    // Capturing anything but an AUTHORIZED payment means the saga went somewhere unexpected (or this is a redelivery).
    if (outcome.result === 'CAPTURED') this.log.debug(fields, 'OrderFulfillmentRequested handled');
    else this.log.warn(fields, 'OrderFulfillmentRequested: nothing to capture');
  }
}
