import { Order } from '../../domain/order.aggregate';
import { IdempotencyKeyReusedError, InvalidOrderError } from '../../domain/order.errors';
import { IdempotencyClaim, OrderPlacements, PlaceResult } from '../ports/order-placements.port';
import type { OrderQueries } from '../ports/order-queries.port';
import { PlaceOrderHandler, requestHash } from './place-order.handler';

/** Just enough of the repository for placing: orders by id, claims by idempotency key. */
class FakeOrders implements OrderPlacements, Pick<OrderQueries, 'findById'> {
  readonly rows = new Map<string, Order>();
  readonly claims = new Map<string, { orderId: string; requestHash: string }>();
  readonly outbox: string[] = [];

  async place(
    order: Order,
    placed: Parameters<OrderPlacements['place']>[1],
    claim: IdempotencyClaim | null,
  ): Promise<PlaceResult> {
    const held = claim && this.claims.get(claim.key);
    if (held) return { inserted: false, existing: held };
    if (claim) this.claims.set(claim.key, { orderId: order.id, requestHash: claim.requestHash });
    this.rows.set(order.id, order);
    this.outbox.push(placed.eventType);
    return { inserted: true };
  }

  async findById(id: string): Promise<Order | null> {
    return this.rows.get(id) ?? null;
  }
}

describe('PlaceOrderHandler', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const customerId = '22222222-2222-4222-8222-222222222222';
  let ids = 0;
  const make = (repo: FakeOrders) =>
    new PlaceOrderHandler(
      repo,
      repo as unknown as OrderQueries,
      { now: () => now },
      {
        next: () => `11111111-1111-4111-8111-${String(++ids).padStart(12, '0')}`,
      },
    );
  const cmd = (over: Partial<Parameters<PlaceOrderHandler['execute']>[0]> = {}) => ({
    customerId,
    lines: [{ sku: 'SKU-1', quantity: 3 }],
    idempotencyKey: null,
    correlationId: 'corr-1',
    ...over,
  });

  it('stores a PENDING order with its OrderPlaced event', async () => {
    const repo = new FakeOrders();
    const { order, created } = await make(repo).execute(cmd());
    expect(created).toBe(true);
    expect(order).toMatchObject({ status: 'PENDING', createdAt: now, correlationId: 'corr-1' });
    expect(repo.outbox).toEqual(['OrderPlaced']);
  });

  it('returns the first order for a replay with the same key and body', async () => {
    const repo = new FakeOrders();
    const handler = make(repo);
    const first = await handler.execute(cmd({ idempotencyKey: 'k1' }));
    const again = await handler.execute(cmd({ idempotencyKey: 'k1' }));
    expect(again).toEqual({ order: first.order, created: false });
    expect(repo.outbox).toHaveLength(1);
  });

  it('refuses the same key with a different body', async () => {
    const repo = new FakeOrders();
    const handler = make(repo);
    await handler.execute(cmd({ idempotencyKey: 'k2' }));
    await expect(
      handler.execute(cmd({ idempotencyKey: 'k2', lines: [{ sku: 'SKU-1', quantity: 4 }] })),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('writes nothing when the order breaks an invariant', async () => {
    const repo = new FakeOrders();
    const lines = [
      { sku: 'A', quantity: 1 },
      { sku: 'A', quantity: 1 },
    ];
    await expect(make(repo).execute(cmd({ lines }))).rejects.toBeInstanceOf(InvalidOrderError);
    expect(repo.rows.size).toBe(0);
  });

  it('hashes requests by customer and lines, in order', () => {
    const a = requestHash({ customerId, lines: [{ sku: 'A', quantity: 1 }] });
    expect(requestHash({ customerId, lines: [{ sku: 'A', quantity: 1 }] })).toBe(a);
    expect(requestHash({ customerId, lines: [{ sku: 'A', quantity: 2 }] })).not.toBe(a);
    expect(
      requestHash({ customerId: '33333333-3333-4333-8333-333333333333', lines: [{ sku: 'A', quantity: 1 }] }),
    ).not.toBe(a);
  });
});
