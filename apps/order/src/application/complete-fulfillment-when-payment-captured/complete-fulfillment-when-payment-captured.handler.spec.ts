import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn, T0 } from '../testing/fake-order-unit-of-work';
import { CompleteFulfillmentWhenPaymentCaptured } from './complete-fulfillment-when-payment-captured.handler';

describe('CompleteFulfillmentWhenPaymentCaptured', () => {
  const reaction = new CompleteFulfillmentWhenPaymentCaptured(new OrderSagaStep(clockAt()));

  const captured = (order: Order) =>
    fixtureEnvelope('PaymentCaptured', {
      aggregateId: order.id,
      payload: {
        orderId: order.id,
        paymentId: order.snapshot().paymentId!,
        amount: { amount: 4098, currency: 'EUR' },
      },
    });

  it('records the capture; with the stock not yet committed the order stays CONFIRMED', async () => {
    const order = orderIn('FULFILMENT_REQUESTED');
    const work = new FakeOrderWork(order);
    const event = captured(order);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.snapshot().paymentCapturedAt).toEqual(T0);
    expect(order.status).toBe('CONFIRMED');
    expect(work.summary()).toEqual({ published: [], history: ['PaymentCaptured:CONFIRMED'] });
  });

  it('a capture redelivered changes nothing', async () => {
    const order = orderIn('FULFILMENT_REQUESTED');
    await reaction.react(captured(order), new FakeOrderWork(order));
    const work = new FakeOrderWork(order);
    await reaction.react(captured(order), work);
    expect(work.saves).toEqual([]);
  });
});
