import { assertMinorUnits, Payment, PaymentStatus } from './payment';
import { InvalidPaymentError } from './payment.errors';

const t0 = new Date('2030-01-01T00:00:00Z');
const t1 = new Date('2030-01-01T00:01:00Z');
const base = {
  id: '11111111-1111-4111-8111-111111111111',
  orderId: '22222222-2222-4222-8222-222222222222',
  customerId: '33333333-3333-4333-8333-333333333333',
  amount: 2598,
  currency: 'EUR',
  now: t0,
};

const authorized = () => Payment.authorize({ ...base, gatewayRef: 'ref-1' });
const declined = () => Payment.decline({ ...base, reason: 'CARD_BLOCKED' });
const inStatus = (status: PaymentStatus): Payment => {
  const p = authorized();
  if (status === 'AUTHORIZED') return p;
  if (status === 'DECLINED') return declined();
  if (status === 'VOIDED') p.void(t0);
  if (status === 'CAPTURED' || status === 'REFUNDED') p.capture(t0);
  if (status === 'REFUNDED') p.refund(t0);
  return p;
};

describe('Payment', () => {
  it('authorize: AUTHORIZED for the full amount, with the gateway reference, nothing captured', () => {
    expect(authorized().snapshot()).toEqual({
      ...{ id: base.id, orderId: base.orderId, customerId: base.customerId, amount: 2598, currency: 'EUR' },
      status: 'AUTHORIZED',
      declineReason: null,
      gatewayRef: 'ref-1',
      capturedAmount: 0,
      refundedAmount: 0,
      createdAt: t0,
      updatedAt: t0,
    });
  });

  it('decline: DECLINED with the reason and no reference', () => {
    expect(declined().snapshot()).toMatchObject({
      status: 'DECLINED',
      declineReason: 'CARD_BLOCKED',
      gatewayRef: null,
    });
  });

  it.each([10.5, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 1])(
    'refuses amount %p (integer minor units only)',
    (amount) => {
      expect(() => Payment.authorize({ ...base, amount, gatewayRef: 'r' })).toThrow(InvalidPaymentError);
      expect(() => Payment.decline({ ...base, amount, reason: 'INSUFFICIENT_FUNDS' })).toThrow(
        InvalidPaymentError,
      );
      expect(() => assertMinorUnits(amount)).toThrow(InvalidPaymentError);
    },
  );

  it('accepts zero and the largest safe integer', () => {
    expect(() => assertMinorUnits(0)).not.toThrow();
    expect(() => assertMinorUnits(Number.MAX_SAFE_INTEGER)).not.toThrow();
  });

  it('refuses a bad currency and an authorization without a reference', () => {
    expect(() => Payment.authorize({ ...base, currency: 'eur', gatewayRef: 'r' })).toThrow(
      InvalidPaymentError,
    );
    expect(() => Payment.authorize({ ...base, gatewayRef: '' })).toThrow(InvalidPaymentError);
  });

  it('void: AUTHORIZED → VOIDED, telling the gateway which authorization', () => {
    const p = authorized();
    expect(p.void(t1)).toEqual({ changed: true, gatewayRef: 'ref-1', amount: 2598 });
    expect(p.snapshot()).toMatchObject({ status: 'VOIDED', updatedAt: t1, capturedAmount: 0 });
  });

  it('capture: AUTHORIZED → CAPTURED for the full amount', () => {
    const p = authorized();
    expect(p.capture(t1)).toEqual({ changed: true, gatewayRef: 'ref-1', amount: 2598 });
    expect(p.snapshot()).toMatchObject({
      status: 'CAPTURED',
      capturedAmount: 2598,
      refundedAmount: 0,
      updatedAt: t1,
    });
  });

  it('refund: CAPTURED → REFUNDED for everything captured', () => {
    const p = inStatus('CAPTURED');
    expect(p.refund(t1)).toEqual({ changed: true, gatewayRef: 'ref-1', amount: 2598 });
    expect(p.snapshot()).toMatchObject({ status: 'REFUNDED', capturedAmount: 2598, refundedAmount: 2598 });
  });

  const others = (allowed: PaymentStatus) =>
    (['AUTHORIZED', 'DECLINED', 'VOIDED', 'CAPTURED', 'REFUNDED'] as const).filter((s) => s !== allowed);

  it.each(others('AUTHORIZED'))('void from %s changes nothing', (status) => {
    const p = inStatus(status);
    const before = p.snapshot();
    expect(p.void(t1)).toEqual({ changed: false, status });
    expect(p.snapshot()).toEqual(before);
  });

  it.each(others('AUTHORIZED'))('capture from %s changes nothing (never a second capture)', (status) => {
    const p = inStatus(status);
    const before = p.snapshot();
    expect(p.capture(t1)).toEqual({ changed: false, status });
    expect(p.snapshot()).toEqual(before);
  });

  it.each(others('CAPTURED'))('refund from %s changes nothing', (status) => {
    const p = inStatus(status);
    const before = p.snapshot();
    expect(p.refund(t1)).toEqual({ changed: false, status });
    expect(p.snapshot()).toEqual(before);
  });

  it('cancellation voids a hold, refunds a capture, and leaves the rest alone', () => {
    expect(inStatus('AUTHORIZED').compensationForCancellation()).toBe('VOID');
    expect(inStatus('CAPTURED').compensationForCancellation()).toBe('REFUND');
    for (const s of ['DECLINED', 'VOIDED', 'REFUNDED'] as const)
      expect(inStatus(s).compensationForCancellation()).toBe('NONE');
  });

  it('restore round-trips a snapshot without sharing state', () => {
    const snap = inStatus('CAPTURED').snapshot();
    const p = Payment.restore(snap);
    p.refund(t1);
    expect(snap.status).toBe('CAPTURED');
    expect(p.status).toBe('REFUNDED');
  });
});
