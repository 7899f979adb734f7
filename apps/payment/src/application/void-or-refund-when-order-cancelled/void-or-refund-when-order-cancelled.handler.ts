import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import type { Reaction, TracedEnvelope } from '@ordermesh/platform';
import { PaymentStatus } from '../../domain/payment';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock } from '../ports/clock.port';
import type { PaymentUnitOfWork } from '../ports/payment-unit-of-work.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type CancelOutcome =
  { result: 'VOIDED' | 'REFUNDED' | 'NO_PAYMENT' } | { result: 'NOTHING_TO_UNDO'; status: PaymentStatus };

/**
 * Saga step 8: the order is cancelled. Remember it (a StockReserved still in flight must not authorize), then void
 * an authorization or refund a capture.
 */
@Injectable()
export class VoidOrRefundWhenOrderCancelled implements Reaction<PaymentUnitOfWork, string, 'OrderCancelled'> {
  constructor(
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  claims(event: EnvelopeOf<'OrderCancelled'>): string {
    return event.payload.orderId;
  }

  async react(
    event: TracedEnvelope<EnvelopeOf<'OrderCancelled'>>,
    work: PaymentUnitOfWork,
  ): Promise<CancelOutcome> {
    const { orderId, reason } = event.payload;
    work.recordCancellation(orderId, reason);
    const payment = work.paymentOf(orderId);
    if (!payment) return { result: 'NO_PAYMENT' };

    const now = this.clock.now();
    switch (payment.compensationForCancellation()) {
      case 'VOID': {
        const t = payment.void(now);
        if (!t.changed) break;
        // Voiding (and refunding) the same reference again after a rolled-back attempt is harmless at the gateway.
        await callGateway(() => this.gateway.void(t.gatewayRef));
        work.update(payment);
        work.publish(event, [paymentEvent('PaymentVoided', moneyPayload(payment, t.amount))], now);
        return { result: 'VOIDED' };
      }
      case 'REFUND': {
        const t = payment.refund(now);
        if (!t.changed) break;
        await callGateway(() => this.gateway.refund(t.gatewayRef, t.amount));
        work.update(payment);
        work.publish(event, [paymentEvent('PaymentRefunded', moneyPayload(payment, t.amount))], now);
        return { result: 'REFUNDED' };
      }
      case 'NONE':
        break;
    }
    return { result: 'NOTHING_TO_UNDO', status: payment.status };
  }
}
