import { Reservation, ReservationState, ReservationStatus } from './reservation';

const expiresAt = new Date('2030-01-01T00:15:00.000Z');
const state = (status: ReservationStatus): ReservationState => ({
  id: '5a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c01',
  orderId: '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001',
  status,
  expiresAt,
  paymentId: null,
  correlationId: 'corr-1',
  traceparent: null,
});
const paymentId = '7c6d5e4f-3a2b-4c1d-8e0f-9a8b7c6d5e01';
const after = new Date(expiresAt.getTime() + 1);
const before = new Date(expiresAt.getTime() - 1);

type Action = (r: Reservation) => ReturnType<Reservation['confirm']>;
const actions: Record<string, Action> = {
  confirm: (r) => r.confirm(paymentId),
  release: (r) => r.release(),
  commit: (r) => r.commit(),
  expire: (r) => r.expire(after),
};

// Allowed transitions (action, from) → to and the stock move; everything else must be a no-op.
const allowed: Record<string, Partial<Record<ReservationStatus, [ReservationStatus, string | null]>>> = {
  confirm: { HELD: ['CONFIRMED', null] },
  release: { HELD: ['RELEASED', 'RESERVED_TO_AVAILABLE'], CONFIRMED: ['RELEASED', 'RESERVED_TO_AVAILABLE'] },
  commit: { CONFIRMED: ['COMMITTED', 'RESERVED_TO_COMMITTED'] },
  expire: { HELD: ['EXPIRED', 'RESERVED_TO_AVAILABLE'] },
};

const statuses: ReservationStatus[] = ['HELD', 'CONFIRMED', 'RELEASED', 'COMMITTED', 'EXPIRED'];

describe('Reservation transitions', () => {
  const cases = Object.keys(actions).flatMap((action) => statuses.map((from) => [action, from] as const));

  it.each(cases)('%s from %s', (action, from) => {
    const r = Reservation.rehydrate(state(from));
    const t = actions[action]!(r);
    const expected = allowed[action]![from];
    if (expected) {
      expect(t).toEqual({ applied: true, from, to: expected[0], stockMove: expected[1] });
      expect(r.status).toBe(expected[0]);
    } else {
      expect(t).toEqual({ applied: false, status: from });
      expect(r.status).toBe(from);
    }
  });

  it('records the payment on confirmation, and only then', () => {
    const held = Reservation.rehydrate(state('HELD'));
    held.confirm(paymentId);
    expect(held.paymentId).toBe(paymentId);
    const expired = Reservation.rehydrate(state('EXPIRED'));
    expired.confirm(paymentId);
    expect(expired.paymentId).toBeNull();
  });

  it('does not expire a HELD reservation before its time, and expires it at exactly expiresAt', () => {
    expect(Reservation.rehydrate(state('HELD')).expire(before)).toEqual({ applied: false, status: 'HELD' });
    expect(Reservation.rehydrate(state('HELD')).expire(expiresAt).applied).toBe(true);
  });

  it('never expires a confirmed reservation, however late', () => {
    const r = Reservation.rehydrate(state('CONFIRMED'));
    expect(r.expire(new Date('2099-01-01')).applied).toBe(false);
    expect(r.status).toBe('CONFIRMED');
  });

  it('makes a redelivered event harmless: the second identical transition is a no-op', () => {
    const r = Reservation.rehydrate(state('HELD'));
    expect(r.confirm(paymentId).applied).toBe(true);
    expect(r.confirm(paymentId)).toEqual({ applied: false, status: 'CONFIRMED' });
    expect(r.commit().applied).toBe(true);
    expect(r.commit()).toEqual({ applied: false, status: 'COMMITTED' });
    expect(r.release()).toEqual({ applied: false, status: 'COMMITTED' });
  });

  it('confirm and expire exclude each other: whichever runs first wins', () => {
    const a = Reservation.rehydrate(state('HELD'));
    expect(a.expire(after).applied).toBe(true);
    expect(a.confirm(paymentId).applied).toBe(false);
    const b = Reservation.rehydrate(state('HELD'));
    expect(b.confirm(paymentId).applied).toBe(true);
    expect(b.expire(after).applied).toBe(false);
  });

  it('rehydrate copies its input', () => {
    const s = state('HELD');
    Reservation.rehydrate(s).release();
    expect(s.status).toBe('HELD');
  });
});
