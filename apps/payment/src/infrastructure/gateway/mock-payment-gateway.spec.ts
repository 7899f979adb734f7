import { GatewayRequestError } from '../../domain/payment-gateway';
import { MOCK_GATEWAY_CUSTOMERS, MockPaymentGateway, mockAuthorizationRef } from './mock-payment-gateway';

const anyCustomer = '9b2d7c10-1e4f-4a6b-8c2d-3e4f5a6b7c01';
const orderA = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001';
const orderB = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e002';

describe('MockPaymentGateway', () => {
  const gateway = new MockPaymentGateway({ authorizationLimit: 10_000, latencyMs: 0 });
  const authorize = (customerId: string, amount: number, idempotencyKey = orderA) =>
    gateway.authorize({ idempotencyKey, customerId, amount, currency: 'EUR' });

  it('approves an ordinary customer up to the limit, with a reference', async () => {
    const res = await authorize(anyCustomer, 10_000);
    expect(res).toEqual({ approved: true, ref: mockAuthorizationRef(orderA) });
    expect(await authorize(anyCustomer, 0)).toMatchObject({ approved: true });
  });

  it.each([
    [MOCK_GATEWAY_CUSTOMERS.insufficientFunds, 'INSUFFICIENT_FUNDS'],
    [MOCK_GATEWAY_CUSTOMERS.cardBlocked, 'CARD_BLOCKED'],
    [MOCK_GATEWAY_CUSTOMERS.fraudSuspected, 'FRAUD_SUSPECTED'],
  ])('always declines test customer %s with %s', async (customerId, reason) => {
    for (const amount of [0, 1, 10_000, 10_001])
      expect(await authorize(customerId, amount)).toEqual({ approved: false, reason });
  });

  it('declines amounts above the authorization limit as INSUFFICIENT_FUNDS', async () => {
    expect(await authorize(anyCustomer, 10_001)).toEqual({ approved: false, reason: 'INSUFFICIENT_FUNDS' });
  });

  it('is idempotent per key: the same order gets the same reference, another order another one', async () => {
    const first = await authorize(anyCustomer, 100, orderA);
    const again = await authorize(anyCustomer, 100, orderA);
    const other = await authorize(anyCustomer, 100, orderB);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // And across instances (process restarts): the reference depends on the key alone.
    expect(
      await new MockPaymentGateway({ authorizationLimit: 10_000, latencyMs: 0 }).authorize({
        idempotencyKey: orderA,
        customerId: anyCustomer,
        amount: 100,
        currency: 'EUR',
      }),
    ).toEqual(first);
  });

  it('voids, captures and refunds its own references, repeatably', async () => {
    const ref = mockAuthorizationRef(orderA);
    for (let i = 0; i < 2; i++) {
      await expect(gateway.void(ref)).resolves.toBeUndefined();
      await expect(gateway.capture(ref, 100)).resolves.toBeUndefined();
      await expect(gateway.refund(ref, 100)).resolves.toBeUndefined();
    }
  });

  it('refuses unknown references and non-integer amounts', async () => {
    await expect(gateway.void('nope')).rejects.toBeInstanceOf(GatewayRequestError);
    await expect(gateway.capture(mockAuthorizationRef(orderA), 1.5)).rejects.toBeInstanceOf(
      GatewayRequestError,
    );
    await expect(gateway.refund(mockAuthorizationRef(orderA), -1)).rejects.toBeInstanceOf(
      GatewayRequestError,
    );
    await expect(authorize(anyCustomer, 12.34)).rejects.toBeInstanceOf(GatewayRequestError);
  });

  it('waits latencyMs on every call', async () => {
    const slow = new MockPaymentGateway({ authorizationLimit: 10_000, latencyMs: 30 });
    const started = Date.now();
    await slow.authorize({ idempotencyKey: orderA, customerId: anyCustomer, amount: 1, currency: 'EUR' });
    await slow.capture(mockAuthorizationRef(orderA), 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });
});
