import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EnvelopeOf, EventType, HEADERS } from '@ordermesh/contracts';
import type { HandlerContext } from '@ordermesh/platform';
import { CancelOrderWhenPaymentDeclined } from '../../application/cancel-order-when-payment-declined/cancel-order-when-payment-declined.handler';
import { CancelOrderWhenReservationExpired } from '../../application/cancel-order-when-reservation-expired/cancel-order-when-reservation-expired.handler';
import { CancelOrderWhenStockReservationFailed } from '../../application/cancel-order-when-stock-reservation-failed/cancel-order-when-stock-reservation-failed.handler';
import { CompleteFulfillmentWhenPaymentCaptured } from '../../application/complete-fulfillment-when-payment-captured/complete-fulfillment-when-payment-captured.handler';
import { CompleteFulfillmentWhenStockCommitted } from '../../application/complete-fulfillment-when-stock-committed/complete-fulfillment-when-stock-committed.handler';
import { ConfirmOrderWhenReservationConfirmed } from '../../application/confirm-order-when-reservation-confirmed/confirm-order-when-reservation-confirmed.handler';
import { RecordCompensationWhenCompensated } from '../../application/record-compensation-when-compensated/record-compensation-when-compensated.handler';
import { RecordPaymentWhenPaymentAuthorized } from '../../application/record-payment-when-payment-authorized/record-payment-when-payment-authorized.handler';
import { RecordReservationWhenStockReserved } from '../../application/record-reservation-when-stock-reserved/record-reservation-when-stock-reserved.handler';
import type { TracedEnvelope } from '../../application/ports/order.repository.port';

type Ctx<T extends EventType> = HandlerContext<EnvelopeOf<T>>;

/** The event with the trace context it arrived with (the traceparent header), for the order's history. */
function traced<E extends EnvelopeOf<EventType>>(ctx: HandlerContext<E>): TracedEnvelope<E> {
  const traceparent = ctx.message.headers[HEADERS.traceparent];
  return traceparent ? { ...ctx.envelope, trace: { traceparent } } : ctx.envelope;
}

/** Thin edge: the platform validated the event and opened the inbox transaction; each reaction does the rest. */
@Controller()
export class OrderSagaConsumer {
  constructor(
    private readonly recordReservation: RecordReservationWhenStockReserved,
    private readonly cancelOnReservationFailed: CancelOrderWhenStockReservationFailed,
    private readonly recordPayment: RecordPaymentWhenPaymentAuthorized,
    private readonly confirm: ConfirmOrderWhenReservationConfirmed,
    private readonly cancelOnDecline: CancelOrderWhenPaymentDeclined,
    private readonly cancelOnExpiry: CancelOrderWhenReservationExpired,
    private readonly stockCommitted: CompleteFulfillmentWhenStockCommitted,
    private readonly paymentCaptured: CompleteFulfillmentWhenPaymentCaptured,
    private readonly compensated: RecordCompensationWhenCompensated,
  ) {}

  @EventPattern('StockReserved')
  onStockReserved(@Payload() ctx: Ctx<'StockReserved'>) {
    return this.recordReservation.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('StockReservationFailed')
  onStockReservationFailed(@Payload() ctx: Ctx<'StockReservationFailed'>) {
    return this.cancelOnReservationFailed.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('PaymentAuthorized')
  onPaymentAuthorized(@Payload() ctx: Ctx<'PaymentAuthorized'>) {
    return this.recordPayment.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('ReservationConfirmed')
  onReservationConfirmed(@Payload() ctx: Ctx<'ReservationConfirmed'>) {
    return this.confirm.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('PaymentDeclined')
  onPaymentDeclined(@Payload() ctx: Ctx<'PaymentDeclined'>) {
    return this.cancelOnDecline.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('ReservationExpired')
  onReservationExpired(@Payload() ctx: Ctx<'ReservationExpired'>) {
    return this.cancelOnExpiry.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('StockCommitted')
  onStockCommitted(@Payload() ctx: Ctx<'StockCommitted'>) {
    return this.stockCommitted.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('PaymentCaptured')
  onPaymentCaptured(@Payload() ctx: Ctx<'PaymentCaptured'>) {
    return this.paymentCaptured.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('StockReleased')
  onStockReleased(@Payload() ctx: Ctx<'StockReleased'>) {
    return this.compensated.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('PaymentVoided')
  onPaymentVoided(@Payload() ctx: Ctx<'PaymentVoided'>) {
    return this.compensated.execute(traced(ctx), ctx.tx);
  }

  @EventPattern('PaymentRefunded')
  onPaymentRefunded(@Payload() ctx: Ctx<'PaymentRefunded'>) {
    return this.compensated.execute(traced(ctx), ctx.tx);
  }
}
