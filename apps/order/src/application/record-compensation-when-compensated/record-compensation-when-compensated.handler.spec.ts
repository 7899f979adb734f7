import { fixtureEnvelope } from '@ordermesh/contracts';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { RecordCompensationWhenCompensated } from './record-compensation-when-compensated.handler';

describe('RecordCompensationWhenCompensated', () => {
  const reaction = new RecordCompensationWhenCompensated(new OrderSagaStep(clockAt()));

  it.each(['StockReleased', 'PaymentVoided', 'PaymentRefunded'] as const)(
    '%s becomes a history line marked compensated, with no change and nothing published',
    async (type) => {
      const order = orderIn('CANCELLED');
      const work = new FakeOrderWork(order);
      const event = fixtureEnvelope(type, { aggregateId: order.id }) as Parameters<typeof reaction.react>[0];
      expect(reaction.claims(event)).toBe(order.id);
      await reaction.react(event, work);
      expect(work.saves).toEqual([]);
      expect(work.summary()).toEqual({ published: [], history: [`${type}:CANCELLED`] });
      expect(work.history[0]!.entry.detail).toMatchObject({ effect: 'compensated' });
    },
  );
});
