import { Inject, Injectable, Logger } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import { PaymentStatus } from '../../domain/payment';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock } from '../ports/clock.port';
import type { PaymentUnitOfWork } from '../ports/payment-unit-of-work.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type CaptureOutcome =
  { result: 'CAPTURED' | 'NO_PAYMENT' } | { result: 'NOT_CAPTURABLE'; status: PaymentStatus };

/** Saga step 11: the order is being fulfilled, so take the money that was held. */
@Injectable()
export class CapturePaymentWhenFulfillmentRequested implements Reaction<
  PaymentUnitOfWork,
  string,
  'OrderFulfillmentRequested'
> {
  private readonly log = new Logger('CapturePaymentWhenFulfillmentRequested');

  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  claims(event: EnvelopeOf<'OrderFulfillmentRequested'>): string {
    return event.payload.orderId;
  }

  async react(
    event: TracedEnvelope<EnvelopeOf<'OrderFulfillmentRequested'>>,
    work: PaymentUnitOfWork,
  ): Promise<CaptureOutcome> {
    const { orderId } = event.payload;
    const payment = work.paymentOf(orderId);
    // The order only requests fulfilment once CONFIRMED, which needs our authorization: no payment is an anomaly
    // worth a warning, not a retry.
    if (!payment) return this.nothingToCapture({ result: 'NO_PAYMENT' });
    const now = this.clock.now();
    const t = payment.capture(now);
    // Already CAPTURED (a redelivery) or never capturable (declined, voided, refunded): nothing to do.
    if (!t.changed) return this.nothingToCapture({ result: 'NOT_CAPTURABLE', status: t.status });
    await callGateway(() => this.gateway.capture(t.gatewayRef, t.amount));
    work.update(payment);
    work.publish(event, [paymentEvent('PaymentCaptured', moneyPayload(payment, t.amount))], now);
    return { result: 'CAPTURED' };
  }

  /** Capturing anything but an AUTHORIZED payment means the saga went somewhere unexpected (or a redelivery). */
  private nothingToCapture(outcome: CaptureOutcome): CaptureOutcome {
    this.log.warn(outcome, 'OrderFulfillmentRequested: nothing to capture');
    return outcome;
  }
}
