import { Inject, Injectable, Logger } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import { PermanentHandlerError, type Reaction, type TracedEnvelope } from '@ordermesh/platform';
import { assertMinorUnits, Payment } from '../../domain/payment';
import { InvalidPaymentError } from '../../domain/payment.errors';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import type { PaymentUnitOfWork } from '../ports/payment-unit-of-work.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type AuthorizeOutcome =
  'AUTHORIZED' | 'DECLINED' | 'SKIPPED_ORDER_CANCELLED' | 'SKIPPED_PAYMENT_EXISTS';

/** Saga step 3: the stock is held, so hold the money — unless the order is already known cancelled. */
@Injectable()
export class AuthorizePaymentWhenStockReserved implements Reaction<
  PaymentUnitOfWork,
  string,
  'StockReserved'
> {
  private readonly log = new Logger('AuthorizePaymentWhenStockReserved');

  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  claims(event: EnvelopeOf<'StockReserved'>): string {
    return event.payload.orderId;
  }

  async react(
    event: TracedEnvelope<EnvelopeOf<'StockReserved'>>,
    work: PaymentUnitOfWork,
  ): Promise<AuthorizeOutcome> {
    const { orderId, customerId, total } = event.payload;
    try {
      assertMinorUnits(total.amount);
    } catch (err) {
      if (err instanceof InvalidPaymentError) throw new PermanentHandlerError(err.message, err.code);
      throw err;
    }
    // Cancelled first: inventory releases the stock on OrderCancelled; holding money now would only need a void.
    // One payment per order: a redelivered (or re-published) StockReserved finds it and does nothing.
    const blocker = work.authorizationBlocker(orderId);
    if (blocker) {
      // Expected in a choreographed saga (a cancellation overtook the reservation, a redelivery), but worth a line.
      this.log.log({ blocker }, 'StockReserved: no authorization attempted');
      return blocker === 'ORDER_CANCELLED' ? 'SKIPPED_ORDER_CANCELLED' : 'SKIPPED_PAYMENT_EXISTS';
    }

    // The gateway is called inside the unit of work. If it fails afterwards (commit error, crash, retry, a run
    // replayed), the event is handled again and the gateway asked again: the order id as idempotency key makes that
    // second request return the first authorization instead of placing a second hold on the customer's card.
    // An unavailable gateway (outage, timeout, open circuit) is not a decline: callGateway turns it into a
    // RetryLaterError, so the order stays PENDING until the gateway answers.
    const result = await callGateway(() =>
      this.gateway.authorize({
        idempotencyKey: orderId,
        customerId,
        amount: total.amount,
        currency: total.currency,
      }),
    );
    const now = this.clock.now();
    const common = {
      id: this.ids.next(),
      orderId,
      customerId,
      amount: total.amount,
      currency: total.currency,
      now,
    };
    if (result.approved) {
      const payment = Payment.authorize({ ...common, gatewayRef: result.ref });
      work.add(payment);
      work.publish(event, [paymentEvent('PaymentAuthorized', moneyPayload(payment, payment.amount))], now);
      return 'AUTHORIZED';
    }
    const payment = Payment.decline({ ...common, reason: result.reason });
    work.add(payment);
    work.publish(
      event,
      [paymentEvent('PaymentDeclined', { orderId, paymentId: payment.id, reason: result.reason })],
      now,
    );
    return 'DECLINED';
  }
}
