import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { CancelOrderWhenPaymentDeclined } from './cancel-order-when-payment-declined.handler';

describe('CancelOrderWhenPaymentDeclined', () => {
  const reaction = new CancelOrderWhenPaymentDeclined(new OrderSagaStep(clockAt()));

  const declined = (order: Order) =>
    fixtureEnvelope('PaymentDeclined', {
      aggregateId: order.id,
      payload: { orderId: order.id, paymentId: randomUUID(), reason: 'INSUFFICIENT_FUNDS' },
    });

  it('cancels a PENDING order (PAYMENT_DECLINED) and publishes OrderCancelled', async () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    const event = declined(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.snapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED' });
    expect(work.summary()).toEqual({
      published: ['OrderCancelled'],
      history: ['PaymentDeclined:CANCELLED', 'OrderCancelled:CANCELLED'],
    });
    expect(work.published[0]!.causationId).toBe(event.eventId);
  });

  it('leaves a confirmed order alone (a late decline)', async () => {
    const order = orderIn('CONFIRMED');
    const work = new FakeOrderWork(order);
    await reaction.react(declined(order), work);
    expect(order.status).toBe('CONFIRMED');
    expect(work.summary().published).toEqual([]);
  });
});
