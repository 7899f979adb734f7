import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox, PermanentHandlerError } from '@ordermesh/platform';
import { assertMinorUnits, Payment } from '../../domain/payment';
import { InvalidPaymentError } from '../../domain/payment.errors';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock, ID_GENERATOR, IdGenerator } from '../ports/clock.port';
import { PAYMENT_STORE, PaymentStore, Tx } from '../ports/payment-store.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type AuthorizeOutcome =
  'AUTHORIZED' | 'DECLINED' | 'SKIPPED_ORDER_CANCELLED' | 'SKIPPED_PAYMENT_EXISTS';

/** Saga step 3: the stock is held, so hold the money — unless the order is already known cancelled. */
@Injectable()
export class AuthorizePaymentWhenStockReserved {
  constructor(
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  async execute(event: EnvelopeOf<'StockReserved'>, tx: Tx): Promise<AuthorizeOutcome> {
    const { orderId, customerId, total } = event.payload;
    try {
      assertMinorUnits(total.amount);
    } catch (err) {
      if (err instanceof InvalidPaymentError) throw new PermanentHandlerError(err.message, err.code);
      throw err;
    }
    await this.store.lockOrder(tx, orderId);
    const blocker = await this.store.authorizationBlocker(tx, orderId);
    // Cancelled first: inventory releases the stock on OrderCancelled; holding money now would only need a void.
    if (blocker === 'ORDER_CANCELLED') return 'SKIPPED_ORDER_CANCELLED';
    // One payment per order: a redelivered (or re-published) StockReserved finds it and does nothing.
    if (blocker === 'PAYMENT_EXISTS') return 'SKIPPED_PAYMENT_EXISTS';

    // The gateway is called inside the transaction. If the transaction fails afterwards (commit error, crash,
    // retry), the event is handled again and the gateway asked again: the order id as idempotency key makes that
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
      await this.store.insert(tx, payment);
      await appendToOutbox(tx, 'payment', [
        paymentEvent('PaymentAuthorized', moneyPayload(payment, payment.amount), event, now),
      ]);
      return 'AUTHORIZED';
    }
    const payment = Payment.decline({ ...common, reason: result.reason });
    await this.store.insert(tx, payment);
    await appendToOutbox(tx, 'payment', [
      paymentEvent('PaymentDeclined', { orderId, paymentId: payment.id, reason: result.reason }, event, now),
    ]);
    return 'DECLINED';
  }
}
