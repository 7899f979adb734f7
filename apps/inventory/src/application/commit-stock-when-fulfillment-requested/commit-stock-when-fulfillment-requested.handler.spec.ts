import { fixtureEnvelope } from '@ordermesh/contracts';
import { FakeInventoryWork } from '../testing/fake-inventory-unit-of-work';
import { CommitStockWhenFulfillmentRequested } from './commit-stock-when-fulfillment-requested.handler';

const orderId = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e004';
const requested = fixtureEnvelope('OrderFulfillmentRequested', {
  aggregateId: orderId,
  payload: { orderId },
});

describe('CommitStockWhenFulfillmentRequested', () => {
  const reaction = new CommitStockWhenFulfillmentRequested();

  it('claims the order and the stock its reservation holds', () => {
    expect(reaction.claims(requested)).toEqual({ orderId, movesStock: true });
  });

  it('commits a CONFIRMED reservation: reserved → committed, StockCommitted', async () => {
    const work = new FakeInventoryWork().withStock('A', 0, 100, 'EUR', 2);
    const r = work.withReservation(orderId, 'CONFIRMED', [{ sku: 'A', quantity: 2 }]);
    expect(await reaction.react(requested, work)).toBe('committed');
    expect(r.status).toBe('COMMITTED');
    expect(work.stock.get('A')!.snapshot()).toEqual({ available: 0, reserved: 0, committed: 2 });
    expect(work.events()).toEqual([['StockCommitted', { orderId, reservationId: r.id }]]);
  });

  it('does not commit an unpaid (HELD) reservation', async () => {
    const work = new FakeInventoryWork().withStock('A', 0, 100, 'EUR', 2);
    work.withReservation(orderId, 'HELD', [{ sku: 'A', quantity: 2 }]);
    expect(await reaction.react(requested, work)).toBe('ignored');
    expect(work.stock.get('A')!.isChanged).toBe(false);
    expect(await reaction.react(requested, new FakeInventoryWork())).toBe('no-reservation');
  });
});
