import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { ConfirmOrderWhenReservationConfirmed } from './confirm-order-when-reservation-confirmed.handler';

describe('ConfirmOrderWhenReservationConfirmed', () => {
  const reaction = new ConfirmOrderWhenReservationConfirmed(new OrderSagaStep(clockAt()));

  const confirmed = (order: Order) =>
    fixtureEnvelope('ReservationConfirmed', {
      aggregateId: order.id,
      payload: { orderId: order.id, reservationId: order.snapshot().reservationId!, paymentId: randomUUID() },
    });

  it('confirms a PENDING order and publishes OrderConfirmed caused by the event', async () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    const event = confirmed(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.status).toBe('CONFIRMED');
    expect(work.summary()).toEqual({
      published: ['OrderConfirmed'],
      history: ['ReservationConfirmed:CONFIRMED', 'OrderConfirmed:CONFIRMED'],
    });
    expect(work.published[0]).toMatchObject({
      aggregateId: order.id,
      correlationId: event.correlationId,
      causationId: event.eventId,
      payload: { total: { amount: 4098, currency: 'EUR' } },
    });
  });

  it('does not confirm a cancelled order', async () => {
    const order = orderIn('CANCELLED');
    const work = new FakeOrderWork(order);
    await reaction.react(confirmed(order), work);
    expect(order.status).toBe('CANCELLED');
    expect(work.summary()).toEqual({ published: [], history: ['ReservationConfirmed:CANCELLED'] });
  });
});
