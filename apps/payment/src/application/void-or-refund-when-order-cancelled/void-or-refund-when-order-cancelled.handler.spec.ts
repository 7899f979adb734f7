import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { RetryLaterError } from '@ordermesh/platform';
import { GatewayUnavailableError } from '../../domain/payment-gateway';
import { clockAt, FakeGateway, FakePaymentWork, paymentIn, T1 } from '../testing/fake-payment-unit-of-work';
import { VoidOrRefundWhenOrderCancelled } from './void-or-refund-when-order-cancelled.handler';

describe('VoidOrRefundWhenOrderCancelled', () => {
  const cancelled = (orderId: string, reason: 'CUSTOMER_REQUEST' | 'EXPIRED' = 'CUSTOMER_REQUEST') =>
    fixtureEnvelope('OrderCancelled', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId, reason, previousStatus: 'CONFIRMED' },
    });

  it('voids an authorization: remembers the cancellation, publishes PaymentVoided for the held amount', async () => {
    const gateway = new FakeGateway();
    const payment = paymentIn('AUTHORIZED');
    const work = new FakePaymentWork({ payments: [payment] });
    const event = cancelled(payment.orderId);
    const reaction = new VoidOrRefundWhenOrderCancelled(gateway, clockAt());
    expect(reaction.claims(event)).toBe(payment.orderId);

    await expect(reaction.react(event, work)).resolves.toEqual({ result: 'VOIDED' });

    expect(gateway.calls).toEqual([`void:ref-${payment.orderId}`]);
    expect(work.cancellations.get(payment.orderId)).toBe('CUSTOMER_REQUEST');
    expect(work.updated).toEqual([payment]);
    expect(payment.snapshot()).toMatchObject({ status: 'VOIDED', capturedAmount: 0, updatedAt: T1 });
    expect(work.published).toEqual([
      expect.objectContaining({
        eventType: 'PaymentVoided',
        causationId: event.eventId,
        payload: {
          orderId: payment.orderId,
          paymentId: payment.id,
          amount: { amount: 2500, currency: 'EUR' },
        },
      }),
    ]);
  });

  it('refunds a capture: everything captured goes back, PaymentRefunded', async () => {
    const gateway = new FakeGateway();
    const payment = paymentIn('CAPTURED');
    const work = new FakePaymentWork({ payments: [payment] });

    await expect(
      new VoidOrRefundWhenOrderCancelled(gateway, clockAt()).react(cancelled(payment.orderId), work),
    ).resolves.toEqual({ result: 'REFUNDED' });

    expect(gateway.calls).toEqual([`refund:ref-${payment.orderId}:2500`]);
    expect(payment.snapshot()).toMatchObject({
      status: 'REFUNDED',
      capturedAmount: 2500,
      refundedAmount: 2500,
    });
    expect(work.updated).toEqual([payment]);
    expect(work.published.map((e) => [e.eventType, e.payload])).toEqual([
      [
        'PaymentRefunded',
        { orderId: payment.orderId, paymentId: payment.id, amount: { amount: 2500, currency: 'EUR' } },
      ],
    ]);
  });

  it('cancelled before any payment: the cancellation is remembered so a later StockReserved authorizes nothing', async () => {
    const orderId = randomUUID();
    const work = new FakePaymentWork();
    await expect(
      new VoidOrRefundWhenOrderCancelled(new FakeGateway(), clockAt()).react(
        cancelled(orderId, 'EXPIRED'),
        work,
      ),
    ).resolves.toEqual({ result: 'NO_PAYMENT' });
    expect(work.cancellations.get(orderId)).toBe('EXPIRED');
    expect(work.authorizationBlocker(orderId)).toBe('ORDER_CANCELLED');
    expect(work.published).toEqual([]);
  });

  it.each(['DECLINED', 'VOIDED', 'REFUNDED'] as const)(
    'a %s payment has nothing to undo: no gateway call, nothing published',
    async (status) => {
      const gateway = new FakeGateway();
      const payment = paymentIn(status);
      const work = new FakePaymentWork({ payments: [payment], cancelled: { [payment.orderId]: 'EXPIRED' } });

      await expect(
        new VoidOrRefundWhenOrderCancelled(gateway, clockAt()).react(cancelled(payment.orderId), work),
      ).resolves.toEqual({ result: 'NOTHING_TO_UNDO', status });

      expect(gateway.calls).toEqual([]);
      expect(work.updated).toEqual([]);
      expect(work.published).toEqual([]);
      // A repeated cancellation keeps the first reason.
      expect(work.cancellations.get(payment.orderId)).toBe('EXPIRED');
    },
  );

  it('an unavailable gateway waits (RetryLaterError) and publishes nothing', async () => {
    const gateway = new FakeGateway();
    gateway.failWith = new GatewayUnavailableError('outage', 'PAYMENT.GATEWAY_UNAVAILABLE');
    const payment = paymentIn('AUTHORIZED');
    const work = new FakePaymentWork({ payments: [payment] });

    await expect(
      new VoidOrRefundWhenOrderCancelled(gateway, clockAt()).react(cancelled(payment.orderId), work),
    ).rejects.toMatchObject({ constructor: RetryLaterError, reason: 'PAYMENT.GATEWAY_UNAVAILABLE' });
    expect(work.updated).toEqual([]);
    expect(work.published).toEqual([]);
  });
});
