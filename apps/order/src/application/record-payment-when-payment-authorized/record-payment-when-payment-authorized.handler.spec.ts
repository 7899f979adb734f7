import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { RecordPaymentWhenPaymentAuthorized } from './record-payment-when-payment-authorized.handler';

describe('RecordPaymentWhenPaymentAuthorized', () => {
  const reaction = new RecordPaymentWhenPaymentAuthorized(new OrderSagaStep(clockAt()));

  const authorized = (order: Order, paymentId = randomUUID()) =>
    fixtureEnvelope('PaymentAuthorized', {
      aggregateId: order.id,
      payload: { orderId: order.id, paymentId, amount: { amount: 4098, currency: 'EUR' } },
    });

  it('records the payment id without changing the status or publishing', async () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    const event = authorized(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.snapshot()).toMatchObject({ status: 'PENDING', paymentId: event.payload.paymentId });
    expect(work.summary()).toEqual({ published: [], history: ['PaymentAuthorized:PENDING'] });
  });

  it('the same payment again is history only', async () => {
    const order = orderIn('RESERVED');
    const event = authorized(order);
    await reaction.react(event, new FakeOrderWork(order));
    const work = new FakeOrderWork(order);
    await reaction.react(event, work);
    expect(work.saves).toEqual([]);
    expect(work.history).toHaveLength(1);
  });
});
