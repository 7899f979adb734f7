import { fixtureEnvelope } from '@ordermesh/contracts';
import { Order } from '../../domain/order.aggregate';
import { OrderSagaStep } from '../shared/order-saga-step';
import { clockAt, FakeOrderWork, orderIn } from '../testing/fake-order-unit-of-work';
import { CancelOrderWhenStockReservationFailed } from './cancel-order-when-stock-reservation-failed.handler';

describe('CancelOrderWhenStockReservationFailed', () => {
  const reaction = new CancelOrderWhenStockReservationFailed(new OrderSagaStep(clockAt()));

  const failed = (order: Order, reason: 'OUT_OF_STOCK' | 'UNKNOWN_SKU' | 'MIXED_CURRENCY') =>
    fixtureEnvelope('StockReservationFailed', {
      aggregateId: order.id,
      payload: { orderId: order.id, reason, skus: ['MUG-RED'] },
    });

  it.each([
    ['OUT_OF_STOCK', 'OUT_OF_STOCK'],
    ['UNKNOWN_SKU', 'UNKNOWN_SKU'],
    ['MIXED_CURRENCY', 'UNKNOWN_SKU'],
  ] as const)('cancels on %s as %s and publishes OrderCancelled', async (reason, cancellation) => {
    const order = orderIn('PENDING');
    const work = new FakeOrderWork(order);
    const event = failed(order, reason);
    expect(reaction.claims(event)).toBe(order.id);
    await reaction.react(event, work);
    expect(order.snapshot()).toMatchObject({ status: 'CANCELLED', cancellationReason: cancellation });
    expect(work.summary().published).toEqual(['OrderCancelled']);
  });

  it('an order cancelled already stays as it was', async () => {
    const order = orderIn('CANCELLED');
    const work = new FakeOrderWork(order);
    await reaction.react(failed(order, 'OUT_OF_STOCK'), work);
    expect(order.snapshot().cancellationReason).toBe('CUSTOMER_REQUEST');
    expect(work.summary().published).toEqual([]);
  });
});
