import { fixtureEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError } from '@ordermesh/platform';
import { FakeInventoryWork } from '../testing/fake-inventory-unit-of-work';
import { ReserveStockWhenOrderPlaced } from './reserve-stock-when-order-placed.handler';

const now = new Date('2030-01-01T00:00:00.000Z');
const orderId = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001';
const reservationId = '5a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c01';

const reaction = new ReserveStockWhenOrderPlaced(
  { now: () => now },
  { next: () => reservationId },
  { ttlMs: 60_000 },
);
const placed = (lines: { sku: string; quantity: number }[]) =>
  fixtureEnvelope('OrderPlaced', {
    aggregateId: orderId,
    payload: { orderId, customerId: '9b2d7c10-1e4f-4a6b-8c2d-3e4f5a6b7c01', lines },
  });

describe('ReserveStockWhenOrderPlaced', () => {
  it('claims the order and every sku once, in sku order', () => {
    const claim = reaction.claims(
      placed([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
    );
    expect(claim).toEqual({ orderId, reserves: ['A', 'B'] });
  });

  it('holds the units, priced from the catalogue, and emits StockReserved expiring after the TTL', async () => {
    const work = new FakeInventoryWork().withStock('B', 5, 200).withStock('A', 5, 100);
    const event = placed([
      { sku: 'B', quantity: 1 },
      { sku: 'A', quantity: 2 },
    ]);
    expect(await reaction.react(event, work)).toBe('reserved');
    expect(work.held[0]).toMatchObject({
      id: reservationId,
      expiresAt: new Date('2030-01-01T00:01:00.000Z'),
    });
    expect(work.stock.get('A')!.snapshot()).toEqual({ available: 3, reserved: 2, committed: 0 });
    expect(work.events()).toEqual([
      [
        'StockReserved',
        expect.objectContaining({
          reservationId,
          total: { amount: 400, currency: 'EUR' },
          expiresAt: '2030-01-01T00:01:00.000Z',
        }),
      ],
    ]);
    expect(work.published[0]).toMatchObject({
      causationId: event.eventId,
      correlationId: event.correlationId,
    });
  });

  it.each([
    ['OUT_OF_STOCK', () => new FakeInventoryWork().withStock('A', 1), ['A']],
    ['UNKNOWN_SKU', () => new FakeInventoryWork(), ['A']],
  ] as const)('emits StockReservationFailed (%s) and holds nothing', async (reason, work, skus) => {
    const w = work();
    expect(await reaction.react(placed([{ sku: 'A', quantity: 2 }]), w)).toBe('failed');
    expect(w.held).toEqual([]);
    expect(w.events()).toEqual([['StockReservationFailed', { orderId, reason, skus }]]);
  });

  it('emits nothing for an order that already has a reservation, whatever the stock says now', async () => {
    for (const available of [0, 10]) {
      const work = new FakeInventoryWork().withStock('A', available);
      work.withReservation(orderId, 'HELD', [{ sku: 'A', quantity: 2 }]);
      expect(await reaction.react(placed([{ sku: 'A', quantity: 2 }]), work)).toBe('already-reserved');
      expect(work.published).toEqual([]);
      expect(work.stock.get('A')!.isChanged).toBe(false);
    }
  });

  it('dead-letters an order whose total cannot be represented', async () => {
    const work = new FakeInventoryWork().withStock('A', 10_000, Number.MAX_SAFE_INTEGER);
    await expect(reaction.react(placed([{ sku: 'A', quantity: 2 }]), work)).rejects.toBeInstanceOf(
      PermanentHandlerError,
    );
  });
});
