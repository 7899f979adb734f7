import { FakeInventoryWork } from '../testing/fake-inventory-unit-of-work';
import type { InventoryClaim, InventoryCommands } from '../ports/inventory-unit-of-work.port';
import { ExpireReservations } from './expire-reservations.handler';

const now = new Date('2030-01-01T01:00:00.000Z');
const [A, B, C] = [
  '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e00a',
  '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e00b',
  '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e00c',
];

/** Commands over one in-memory unit of work; records the claims each run was given. */
function commandsOver(work: FakeInventoryWork) {
  const claims: InventoryClaim[][] = [];
  const units: InventoryCommands = {
    run: async (c, fn) => {
      claims.push([...c]);
      return fn(work);
    },
  };
  return { units, claims };
}

describe('ExpireReservations', () => {
  it('claims the due reservations of one batch, expires them, frees their stock and emits ReservationExpired', async () => {
    const work = new FakeInventoryWork().withStock('A', 0, 100, 'EUR', 3);
    const a = work.withReservation(A, 'HELD', [{ sku: 'A', quantity: 1 }], {
      expiresAt: new Date('2030-01-01T00:15:00.000Z'),
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const b = work.withReservation(B, 'HELD', [{ sku: 'A', quantity: 2 }], {
      expiresAt: new Date('2030-01-01T00:30:00.000Z'),
      correlationId: null,
    });
    work.dueOrders = [A, B];
    const { units, claims } = commandsOver(work);

    const result = await new ExpireReservations(units, { now: () => now }).execute(50);

    expect(claims).toEqual([[{ due: { at: now, limit: 50 } }]]);
    expect(result).toEqual({ scanned: 2, expired: 2 });
    expect([a.status, b.status]).toEqual(['EXPIRED', 'EXPIRED']);
    expect(work.stock.get('A')!.snapshot()).toEqual({ available: 3, reserved: 0, committed: 0 });
    expect(work.published.map((e) => [e.eventType, e.causationId, e.correlationId])).toEqual([
      ['ReservationExpired', null, `corr-${A}`],
      ['ReservationExpired', null, B],
    ]);
    // The expiry continues the saga's trace stored with the reservation.
    expect(work.published[0]!.trace?.traceparent).toBe(a.traceparent);
  });

  it('skips a due row that is not expirable any more (confirmed meanwhile)', async () => {
    const work = new FakeInventoryWork();
    work.withReservation(C, 'CONFIRMED', [{ sku: 'A', quantity: 1 }]);
    work.dueOrders = [C];
    const result = await new ExpireReservations(commandsOver(work).units, { now: () => now }).execute();
    expect(result).toEqual({ scanned: 1, expired: 0 });
    expect(work.published).toEqual([]);
  });
});
