import { fixtureEnvelope } from '@ordermesh/contracts';
import { FakeInventoryWork } from '../testing/fake-inventory-unit-of-work';
import { ReleaseStockWhenOrderCancelled } from './release-stock-when-order-cancelled.handler';

const orderId = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e002';
const cancelled = fixtureEnvelope('OrderCancelled', {
  aggregateId: orderId,
  payload: { orderId, reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED' },
});

describe('ReleaseStockWhenOrderCancelled', () => {
  const reaction = new ReleaseStockWhenOrderCancelled();

  it('claims the order and the stock its reservation holds', () => {
    expect(reaction.claims(cancelled)).toEqual({ orderId, movesStock: true });
  });

  it.each(['HELD', 'CONFIRMED'] as const)(
    'releases a %s reservation: reserved → available, StockReleased',
    async (status) => {
      const work = new FakeInventoryWork().withStock('A', 3, 100, 'EUR', 2);
      const r = work.withReservation(orderId, status, [{ sku: 'A', quantity: 2 }]);
      expect(await reaction.react(cancelled, work)).toBe('released');
      expect(r.status).toBe('RELEASED');
      expect(work.stock.get('A')!.snapshot()).toEqual({ available: 5, reserved: 0, committed: 0 });
      expect(work.events()).toEqual([
        ['StockReleased', { orderId, reservationId: r.id, reason: 'ORDER_CANCELLED' }],
      ]);
    },
  );

  it('does nothing for a reservation already released or expired, or an order without one', async () => {
    for (const status of ['RELEASED', 'EXPIRED', 'COMMITTED'] as const) {
      const work = new FakeInventoryWork().withStock('A', 3);
      work.withReservation(orderId, status, [{ sku: 'A', quantity: 2 }]);
      expect(await reaction.react(cancelled, work)).toBe('ignored');
      expect(work.published).toEqual([]);
    }
    expect(await reaction.react(cancelled, new FakeInventoryWork())).toBe('no-reservation');
  });
});
