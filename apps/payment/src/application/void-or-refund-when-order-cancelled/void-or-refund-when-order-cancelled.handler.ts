import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeOf } from '@ordermesh/contracts';
import { appendToOutbox } from '@ordermesh/platform';
import { PaymentStatus } from '../../domain/payment';
import { PAYMENT_GATEWAY, PaymentGateway } from '../../domain/payment-gateway';
import { CLOCK, Clock } from '../ports/clock.port';
import { PAYMENT_STORE, PaymentStore, Tx } from '../ports/payment-store.port';
import { callGateway } from '../gateway-call';
import { moneyPayload, paymentEvent } from '../saga-events';

export type CancelOutcome =
  { result: 'VOIDED' | 'REFUNDED' | 'NO_PAYMENT' } | { result: 'NOTHING_TO_UNDO'; status: PaymentStatus };

/**
 * Saga step 8: the order is cancelled. Remember it (a StockReserved still in flight must not authorize), then void
 * an authorization or refund a capture.
 */
@Injectable()
export class VoidOrRefundWhenOrderCancelled {
  constructor(
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(PAYMENT_GATEWAY) private readonly gateway: PaymentGateway,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(event: EnvelopeOf<'OrderCancelled'>, tx: Tx): Promise<CancelOutcome> {
    const { orderId, reason } = event.payload;
    await this.store.lockOrder(tx, orderId);
    await this.store.recordCancellation(tx, orderId, reason);
    const payment = await this.store.findByOrderIdForUpdate(tx, orderId);
    if (!payment) return { result: 'NO_PAYMENT' };

    const now = this.clock.now();
    switch (payment.compensationForCancellation()) {
      case 'VOID': {
        const t = payment.void(now);
        if (!t.changed) break;
        // Voiding (and refunding) the same reference again after a rolled-back attempt is harmless at the gateway.
        await callGateway(() => this.gateway.void(t.gatewayRef));
        await this.store.update(tx, payment);
        await appendToOutbox(tx, 'payment', [
          paymentEvent('PaymentVoided', moneyPayload(payment, t.amount), event, now),
        ]);
        return { result: 'VOIDED' };
      }
      case 'REFUND': {
        const t = payment.refund(now);
        if (!t.changed) break;
        await callGateway(() => this.gateway.refund(t.gatewayRef, t.amount));
        await this.store.update(tx, payment);
        await appendToOutbox(tx, 'payment', [
          paymentEvent('PaymentRefunded', moneyPayload(payment, t.amount), event, now),
        ]);
        return { result: 'REFUNDED' };
      }
      case 'NONE':
        break;
    }
    return { result: 'NOTHING_TO_UNDO', status: payment.status };
  }
}
