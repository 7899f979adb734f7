import { fixtureEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError } from '@ordermesh/platform';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { OrderSagaStep } from './order-saga-step';

describe('OrderSagaStep', () => {
  const step = new OrderSagaStep(clockAt());

  it('fails permanently (to the DLQ) for an event about an order this service does not have', () => {
    const event = fixtureEnvelope('PaymentDeclined');
    expect(() => step.apply(new FakeOrderWork(), event, () => ({ changed: true }))).toThrow(
      PermanentHandlerError,
    );
  });

  it('records the history of the cause before the events it raised, all with the status afterwards', () => {
    const order = orderIn('RESERVED');
    const work = new FakeOrderWork(order);
    const event = fixtureEnvelope('PaymentDeclined', { aggregateId: order.id });
    step.apply(work, event, (o, now) => ({ changed: o.failSaga('PAYMENT_DECLINED', now), detail: { x: 1 } }));
    expect(work.history.map((h) => [h.entry.eventType, h.entry.causationId])).toEqual([
      ['PaymentDeclined', event.causationId],
      ['OrderCancelled', event.eventId],
    ]);
    expect(work.history[0]!.entry.detail).toEqual({ x: 1 });
  });
});
