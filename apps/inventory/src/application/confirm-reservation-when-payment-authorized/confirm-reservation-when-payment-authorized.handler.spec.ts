import { fixtureEnvelope } from '@ordermesh/contracts';
import { FakeInventoryWork } from '../testing/fake-inventory-unit-of-work';
import { ConfirmReservationWhenPaymentAuthorized } from './confirm-reservation-when-payment-authorized.handler';

const orderId = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e003';
const paymentId = '7c0c8a52-5d0e-4b7a-9c43-2a51f0d6e003';
const authorized = fixtureEnvelope('PaymentAuthorized', {
  aggregateId: orderId,
  payload: { orderId, paymentId, amount: { amount: 200, currency: 'EUR' } },
});

describe('ConfirmReservationWhenPaymentAuthorized', () => {
  const reaction = new ConfirmReservationWhenPaymentAuthorized();

  it('claims only the reservation (confirming moves no units)', () => {
    expect(reaction.claims(authorized)).toEqual({ orderId });
  });

  it('confirms a HELD reservation with the payment and emits ReservationConfirmed', async () => {
    const work = new FakeInventoryWork();
    const r = work.withReservation(orderId, 'HELD', [{ sku: 'A', quantity: 2 }]);
    expect(await reaction.react(authorized, work)).toBe('confirmed');
    expect(r.snapshot()).toMatchObject({ status: 'CONFIRMED', paymentId });
    expect(work.saved).toEqual([{ reservation: r, move: null }]);
    expect(work.events()).toEqual([['ReservationConfirmed', { orderId, reservationId: r.id, paymentId }]]);
  });

  it('leaves an expired or released reservation alone (the order is being cancelled)', async () => {
    for (const status of ['EXPIRED', 'RELEASED'] as const) {
      const work = new FakeInventoryWork();
      work.withReservation(orderId, status, [{ sku: 'A', quantity: 2 }]);
      expect(await reaction.react(authorized, work)).toBe('ignored');
      expect(work.published).toEqual([]);
    }
    expect(await reaction.react(authorized, new FakeInventoryWork())).toBe('no-reservation');
  });
});
