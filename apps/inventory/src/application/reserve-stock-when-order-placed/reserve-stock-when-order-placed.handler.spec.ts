import { fixtureEnvelope } from '@ordermesh/contracts';
import { PermanentHandlerError, Queryable } from '@ordermesh/platform';
import { Reservation, StockMove } from '../../domain/reservation';
import { StockOffer } from '../../domain/stock-allocation';
import { NewReservation, ReservationRepository, RunFootprint } from '../ports/reservation.repository.port';
import { ReserveStockWhenOrderPlaced } from './reserve-stock-when-order-placed.handler';

/** Records what the use case asks of the repository; stock and existing reservations are set per test. */
class FakeRepository implements ReservationRepository {
  offers: StockOffer[] = [];
  existing = false;
  locked: string[][] = [];
  inserted: NewReservation[] = [];
  async lockStock(_tx: Queryable, skus: readonly string[]): Promise<StockOffer[]> {
    this.locked.push([...skus]);
    return this.offers.filter((o) => skus.includes(o.sku));
  }
  async insertHeld(_tx: Queryable, r: NewReservation): Promise<boolean> {
    if (this.existing) return false;
    this.inserted.push(r);
    return true;
  }
  async existsForOrder(): Promise<boolean> {
    return this.existing;
  }
  async lockByOrder(): Promise<Reservation | null> {
    return null;
  }
  async lockDue(): Promise<Reservation[]> {
    return [];
  }
  async save(_tx: Queryable, _r: readonly Reservation[], _m: StockMove | null): Promise<void> {}
  async withinRun<T>(_tx: Queryable, _footprint: RunFootprint, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}

/** A transaction that only collects the outbox rows appended to it: [eventType, payload]. */
function outboxTx() {
  const events: [string, unknown][] = [];
  const tx = {
    // The outbox insert's parameters are column arrays: event types second, payloads (JSON) seventh.
    query: async (_text: string, values: unknown[]) => {
      const [types, payloads] = [values[1] as string[], values[6] as string[]];
      types.forEach((type, i) => events.push([type, JSON.parse(payloads[i]!)]));
      return { rows: [], rowCount: types.length };
    },
  } as unknown as Queryable;
  return { tx, events };
}

const now = new Date('2030-01-01T00:00:00.000Z');
const orderId = '3f0c8a52-5d0e-4b7a-9c43-2a51f0d6e001';
const reservationId = '5a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c01';

function setup() {
  const repo = new FakeRepository();
  const useCase = new ReserveStockWhenOrderPlaced(
    repo,
    { now: () => now },
    { next: () => reservationId },
    { ttlMs: 60_000 },
  );
  return { repo, useCase, ...outboxTx() };
}
const placed = (lines: { sku: string; quantity: number }[]) =>
  fixtureEnvelope('OrderPlaced', {
    payload: { orderId, customerId: '9b2d7c10-1e4f-4a6b-8c2d-3e4f5a6b7c01', lines },
  });

describe('ReserveStockWhenOrderPlaced', () => {
  it('locks every sku once, in sku order, and emits StockReserved expiring after the TTL', async () => {
    const { repo, useCase, tx, events } = setup();
    repo.offers = [
      { sku: 'B', available: 5, unitPrice: { amount: 200, currency: 'EUR' } },
      { sku: 'A', available: 5, unitPrice: { amount: 100, currency: 'EUR' } },
    ];
    const outcome = await useCase.execute(
      placed([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
      ]),
      tx,
    );
    expect(outcome).toBe('reserved');
    expect(repo.locked).toEqual([['A', 'B']]);
    expect(repo.inserted[0]).toMatchObject({
      id: reservationId,
      expiresAt: new Date('2030-01-01T00:01:00.000Z'),
    });
    expect(events).toEqual([
      [
        'StockReserved',
        expect.objectContaining({
          reservationId,
          total: { amount: 400, currency: 'EUR' },
          expiresAt: '2030-01-01T00:01:00.000Z',
        }),
      ],
    ]);
  });

  it('emits StockReservationFailed when the allocation fails and the order has no reservation', async () => {
    const { repo, useCase, tx, events } = setup();
    repo.offers = [{ sku: 'A', available: 1, unitPrice: { amount: 100, currency: 'EUR' } }];
    expect(await useCase.execute(placed([{ sku: 'A', quantity: 2 }]), tx)).toBe('failed');
    expect(repo.inserted).toEqual([]);
    expect(events).toEqual([['StockReservationFailed', { orderId, reason: 'OUT_OF_STOCK', skus: ['A'] }]]);
  });

  it('emits nothing for an order that already has a reservation, whatever the stock says now', async () => {
    for (const available of [0, 10]) {
      const { repo, useCase, tx, events } = setup();
      repo.existing = true;
      repo.offers = [{ sku: 'A', available, unitPrice: { amount: 100, currency: 'EUR' } }];
      expect(await useCase.execute(placed([{ sku: 'A', quantity: 2 }]), tx)).toBe('already-reserved');
      expect(events).toEqual([]);
    }
  });

  it('dead-letters an order whose total cannot be represented', async () => {
    const { repo, useCase, tx } = setup();
    repo.offers = [
      { sku: 'A', available: 10_000, unitPrice: { amount: Number.MAX_SAFE_INTEGER, currency: 'EUR' } },
    ];
    await expect(useCase.execute(placed([{ sku: 'A', quantity: 2 }]), tx)).rejects.toBeInstanceOf(
      PermanentHandlerError,
    );
  });
});
