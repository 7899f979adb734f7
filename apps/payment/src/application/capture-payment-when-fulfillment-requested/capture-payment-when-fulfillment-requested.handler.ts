import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox } from '@ordermesh/platform';
import { PaymentStatus } from '../../domain/payment';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock } from '../ports/clock.port';
import { PAYMENT_STORE, PaymentStore, Tx } from '../ports/payment-store.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type CaptureOutcome =
  { result: 'CAPTURED' | 'NO_PAYMENT' } | { result: 'NOT_CAPTURABLE'; status: PaymentStatus };

/** Saga step 11: the order is being fulfilled, so take the money that was held. */
@Injectable()
export class CapturePaymentWhenFulfillmentRequested {
  constructor(
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(event: EnvelopeOf<'OrderFulfillmentRequested'>, tx: Tx): Promise<CaptureOutcome> {
    const { orderId } = event.payload;
    await this.store.lockOrder(tx, orderId);
    const payment = await this.store.findByOrderIdForUpdate(tx, orderId);
    // The order only requests fulfilment once CONFIRMED, which needs our authorization: no payment is an anomaly
    // worth a log line, not a retry.
    if (!payment) return { result: 'NO_PAYMENT' };
    const now = this.clock.now();
    const t = payment.capture(now);
    // Already CAPTURED (a redelivery) or never capturable (declined, voided, refunded): nothing to do.
    if (!t.changed) return { result: 'NOT_CAPTURABLE', status: t.status };
    await callGateway(() => this.gateway.capture(t.gatewayRef, t.amount));
    await this.store.update(tx, payment);
    await appendToOutbox(tx, 'payment', [
      paymentEvent('PaymentCaptured', moneyPayload(payment, t.amount), event, now),
    ]);
    return { result: 'CAPTURED' };
  }
}
