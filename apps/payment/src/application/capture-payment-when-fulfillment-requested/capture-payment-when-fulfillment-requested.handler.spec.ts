import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError, RetryLaterError } from '@ordermesh/platform';
import { GatewayRequestError, GatewayUnavailableError } from '../../domain/payment-gateway';
import { clockAt, FakeGateway, FakePaymentWork, paymentIn, T1 } from '../testing/fake-payment-unit-of-work';
import { CapturePaymentWhenFulfillmentRequested } from './capture-payment-when-fulfillment-requested.handler';

describe('CapturePaymentWhenFulfillmentRequested', () => {
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warnings.mockRestore());

  const fulfil = (orderId: string) =>
    fixtureEnvelope('OrderFulfillmentRequested', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId },
    });

  it('captures the full amount of an authorization and publishes PaymentCaptured', async () => {
    const gateway = new FakeGateway();
    const payment = paymentIn('AUTHORIZED');
    const work = new FakePaymentWork({ payments: [payment] });
    const event = fulfil(payment.orderId);
    const reaction = new CapturePaymentWhenFulfillmentRequested(gateway, clockAt());
    expect(reaction.claims(event)).toBe(payment.orderId);

    await expect(reaction.react(event, work)).resolves.toEqual({ result: 'CAPTURED' });

    expect(gateway.calls).toEqual([`capture:ref-${payment.orderId}:2500`]);
    expect(work.updated).toEqual([payment]);
    expect(payment.snapshot()).toMatchObject({ status: 'CAPTURED', capturedAmount: 2500, updatedAt: T1 });
    expect(work.published).toEqual([
      expect.objectContaining({
        eventType: 'PaymentCaptured',
        causationId: event.eventId,
        payload: {
          orderId: payment.orderId,
          paymentId: payment.id,
          amount: { amount: 2500, currency: 'EUR' },
        },
      }),
    ]);
    expect(warnings).not.toHaveBeenCalled();
  });

  it.each(['CAPTURED', 'DECLINED', 'VOIDED', 'REFUNDED'] as const)(
    'a %s payment is not captured: no gateway call, nothing published, a warning',
    async (status) => {
      const gateway = new FakeGateway();
      const payment = paymentIn(status);
      const work = new FakePaymentWork({ payments: [payment] });

      await expect(
        new CapturePaymentWhenFulfillmentRequested(gateway, clockAt()).react(fulfil(payment.orderId), work),
      ).resolves.toEqual({ result: 'NOT_CAPTURABLE', status });

      expect(gateway.calls).toEqual([]);
      expect(work.updated).toEqual([]);
      expect(work.published).toEqual([]);
      expect(warnings).toHaveBeenCalledWith(
        { result: 'NOT_CAPTURABLE', status },
        'OrderFulfillmentRequested: nothing to capture',
      );
    },
  );

  it('no payment for the order: nothing to capture, a warning', async () => {
    const work = new FakePaymentWork();
    await expect(
      new CapturePaymentWhenFulfillmentRequested(new FakeGateway(), clockAt()).react(
        fulfil(randomUUID()),
        work,
      ),
    ).resolves.toEqual({ result: 'NO_PAYMENT' });
    expect(work.published).toEqual([]);
    expect(warnings).toHaveBeenCalledWith(
      { result: 'NO_PAYMENT' },
      'OrderFulfillmentRequested: nothing to capture',
    );
  });

  it('an unavailable gateway waits (RetryLaterError); a refused request is permanent; neither publishes', async () => {
    for (const [error, expected] of [
      [new GatewayUnavailableError('timeout', 'PAYMENT.GATEWAY_UNAVAILABLE'), RetryLaterError],
      [new GatewayRequestError('unknown reference'), PermanentHandlerError],
    ] as const) {
      const gateway = new FakeGateway();
      gateway.failWith = error;
      const payment = paymentIn('AUTHORIZED');
      const work = new FakePaymentWork({ payments: [payment] });
      await expect(
        new CapturePaymentWhenFulfillmentRequested(gateway, clockAt()).react(fulfil(payment.orderId), work),
      ).rejects.toBeInstanceOf(expected);
      expect(work.updated).toEqual([]);
      expect(work.published).toEqual([]);
    }
  });
});
