import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError, RetryLaterError } from '@ordermesh/platform';
import { GatewayUnavailableError } from '../../domain/payment-gateway';
import { clockAt, FakeGateway, FakePaymentWork, paymentIn, T1 } from '../testing/fake-payment-unit-of-work';
import { AuthorizePaymentWhenStockReserved } from './authorize-payment-when-stock-reserved.handler';

describe('AuthorizePaymentWhenStockReserved', () => {
  let lines: jest.SpyInstance;
  beforeEach(() => {
    lines = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => lines.mockRestore());
  const paymentId = randomUUID();
  const reaction = (gateway: FakeGateway) =>
    new AuthorizePaymentWhenStockReserved(gateway, clockAt(), { next: () => paymentId });

  const reserved = (orderId = randomUUID(), amount = 4098) =>
    fixtureEnvelope('StockReserved', {
      eventId: randomUUID(),
      aggregateId: orderId,
      correlationId: `saga-${orderId}`,
      payload: {
        orderId,
        customerId: randomUUID(),
        reservationId: randomUUID(),
        lines: [{ sku: 'MUG-RED', quantity: 1, unitPrice: { amount, currency: 'EUR' } }],
        total: { amount, currency: 'EUR' },
        expiresAt: '2030-01-01T00:15:00.000Z',
      },
    });

  it('claims the order, authorizes the total keyed by the order id, adds the payment and publishes PaymentAuthorized', async () => {
    const gateway = new FakeGateway({ approved: true, ref: 'auth-77' });
    const work = new FakePaymentWork();
    const event = reserved();
    const { orderId } = event.payload;
    expect(reaction(gateway).claims(event)).toBe(orderId);

    await expect(reaction(gateway).react(event, work)).resolves.toBe('AUTHORIZED');

    expect(gateway.calls).toEqual([`authorize:${orderId}:4098 EUR`]);
    expect(lines).not.toHaveBeenCalled();
    expect(work.added.map((p) => p.snapshot())).toEqual([
      expect.objectContaining({
        id: paymentId,
        orderId,
        customerId: event.payload.customerId,
        status: 'AUTHORIZED',
        amount: 4098,
        gatewayRef: 'auth-77',
        createdAt: T1,
      }),
    ]);
    expect(work.published).toEqual([
      expect.objectContaining({
        eventType: 'PaymentAuthorized',
        producer: 'payment',
        aggregateId: orderId,
        correlationId: event.correlationId,
        causationId: event.eventId,
        occurredAt: T1.toISOString(),
        payload: { orderId, paymentId, amount: { amount: 4098, currency: 'EUR' } },
      }),
    ]);
  });

  it('a decline is recorded as a DECLINED payment and published as PaymentDeclined', async () => {
    const gateway = new FakeGateway({ approved: false, reason: 'FRAUD_SUSPECTED' });
    const work = new FakePaymentWork();
    const event = reserved();
    const { orderId } = event.payload;

    await expect(reaction(gateway).react(event, work)).resolves.toBe('DECLINED');

    expect(work.added.map((p) => p.snapshot())).toEqual([
      expect.objectContaining({
        orderId,
        status: 'DECLINED',
        declineReason: 'FRAUD_SUSPECTED',
        gatewayRef: null,
      }),
    ]);
    expect(work.published.map((e) => [e.eventType, e.payload])).toEqual([
      ['PaymentDeclined', { orderId, paymentId, reason: 'FRAUD_SUSPECTED' }],
    ]);
  });

  it('an order already cancelled is not authorized: no gateway call, nothing added or published', async () => {
    const gateway = new FakeGateway();
    const event = reserved();
    const work = new FakePaymentWork({ cancelled: { [event.payload.orderId]: 'EXPIRED' } });

    await expect(reaction(gateway).react(event, work)).resolves.toBe('SKIPPED_ORDER_CANCELLED');
    expect(lines).toHaveBeenCalledWith(
      { blocker: 'ORDER_CANCELLED' },
      'StockReserved: no authorization attempted',
    );

    expect(gateway.calls).toEqual([]);
    expect(work.added).toEqual([]);
    expect(work.published).toEqual([]);
  });

  it('an order that has a payment (a redelivered StockReserved) is not authorized twice', async () => {
    const gateway = new FakeGateway();
    const event = reserved();
    const work = new FakePaymentWork({ payments: [paymentIn('DECLINED', event.payload.orderId)] });

    await expect(reaction(gateway).react(event, work)).resolves.toBe('SKIPPED_PAYMENT_EXISTS');
    expect(lines).toHaveBeenCalledWith(
      { blocker: 'PAYMENT_EXISTS' },
      'StockReserved: no authorization attempted',
    );

    expect(gateway.calls).toEqual([]);
    expect(work.added).toEqual([]);
    expect(work.published).toEqual([]);
  });

  it('an unavailable gateway is not a decline: RetryLaterError, nothing added or published', async () => {
    const gateway = new FakeGateway();
    gateway.failWith = new GatewayUnavailableError('circuit open', 'PAYMENT.GATEWAY_CIRCUIT_OPEN');
    const work = new FakePaymentWork();

    const failure = reaction(gateway).react(reserved(), work);

    await expect(failure).rejects.toBeInstanceOf(RetryLaterError);
    await expect(failure).rejects.toMatchObject({ reason: 'PAYMENT.GATEWAY_CIRCUIT_OPEN' });
    expect(work.added).toEqual([]);
    expect(work.published).toEqual([]);
  });

  it('a total that is not integer minor units is refused permanently, before the gateway', async () => {
    const gateway = new FakeGateway();
    const work = new FakePaymentWork();

    await expect(reaction(gateway).react(reserved(randomUUID(), 25.98), work)).rejects.toMatchObject({
      constructor: PermanentHandlerError,
      reason: 'PAYMENT.INVALID_AMOUNT',
    });
    expect(gateway.calls).toEqual([]);
    expect(work.added).toEqual([]);
  });
});
