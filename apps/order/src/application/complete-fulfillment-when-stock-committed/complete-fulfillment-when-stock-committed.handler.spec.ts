import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { CompleteFulfillmentWhenPaymentCaptured } from '../complete-fulfillment-when-payment-captured/complete-fulfillment-when-payment-captured.handler';
import { CompleteFulfillmentWhenStockCommitted } from './complete-fulfillment-when-stock-committed.handler';

describe('CompleteFulfillmentWhenStockCommitted', () => {
  const reaction = new CompleteFulfillmentWhenStockCommitted(new OrderSagaStep(clockAt()));

  const committed = (order: Order) =>
    fixtureEnvelope('StockCommitted', {
      aggregateId: order.id,
      payload: { orderId: order.id, reservationId: order.snapshot().reservationId! },
    });
  const captured = (order: Order) =>
    fixtureEnvelope('PaymentCaptured', {
      aggregateId: order.id,
      payload: {
        orderId: order.id,
        paymentId: order.snapshot().paymentId!,
        amount: { amount: 4098, currency: 'EUR' },
      },
    });

  it('records the committed stock; the order is FULFILLED once the payment is captured too', async () => {
    const order = orderIn('FULFILMENT_REQUESTED');
    const event = committed(order);
    expect(reaction.claims(event)).toBe(order.id);
    const first = new FakeOrderWork(order);
    await reaction.react(event, first);
    expect(order.status).toBe('CONFIRMED');
    expect(first.summary()).toEqual({ published: [], history: ['StockCommitted:CONFIRMED'] });

    const other = orderIn('FULFILMENT_REQUESTED');
    await new CompleteFulfillmentWhenPaymentCaptured(new OrderSagaStep(clockAt())).react(
      captured(other),
      new FakeOrderWork(other),
    );
    const second = new FakeOrderWork(other);
    await reaction.react(committed(other), second);
    expect(other.status).toBe('FULFILLED');
    expect(second.summary().published).toEqual(['OrderFulfilled']);
  });

  it('ignores a commit before fulfilment was requested', async () => {
    const order = orderIn('CONFIRMED');
    const work = new FakeOrderWork(order);
    await reaction.react(committed(order), work);
    expect(order.snapshot().stockCommittedAt).toBeNull();
    expect(work.saves).toEqual([]);
  });
});
