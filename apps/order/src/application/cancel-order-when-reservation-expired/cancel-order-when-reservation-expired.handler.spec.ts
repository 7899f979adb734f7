import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { CancelOrderWhenReservationExpired } from './cancel-order-when-reservation-expired.handler';

describe('CancelOrderWhenReservationExpired', () => {
  const reaction = new CancelOrderWhenReservationExpired(new OrderSagaStep(clockAt()));

  const expired = (order: Order) =>
    fixtureEnvelope('ReservationExpired', {
      aggregateId: order.id,
      payload: { orderId: order.id, reservationId: randomUUID() },
    });

  it('cancels a PENDING order (EXPIRED) and publishes OrderCancelled', async () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    const event = expired(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.snapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'EXPIRED' });
    expect(work.summary().published).toEqual(['OrderCancelled']);
  });

  it('an expiry after confirmation changes nothing', async () => {
    const order = orderIn('CONFIRMED');
    const work = new FakeOrderWork(order);
    await reaction.react(expired(order), work);
    expect(order.status).toBe('CONFIRMED');
    expect(work.summary()).toEqual({ published: [], history: ['ReservationExpired:CONFIRMED'] });
  });
});
