import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { EnvelopeOf } from '@ordermesh/contracts';
import type { HandlerContext } from '@ordermesh/platform';
import { ConfirmReservationWhenPaymentAuthorized } from '../../application/confirm-reservation-when-payment-authorized/confirm-reservation-when-payment-authorized.handler';

/** Reactions to payment.events (see OrderEventsConsumer for what the platform does around each handler). */
@Controller()
export class PaymentEventsConsumer {
  constructor(private readonly confirmReservation: ConfirmReservationWhenPaymentAuthorized) {}

  @EventPattern('PaymentAuthorized')
  async onPaymentAuthorized(@Payload() ctx: HandlerContext<EnvelopeOf<'PaymentAuthorized'>>): Promise<void> {
    await this.confirmReservation.execute(ctx.envelope, ctx.tx);
  }
}
