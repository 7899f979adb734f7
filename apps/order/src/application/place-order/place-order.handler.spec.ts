import { Order } from '../../domain/order.aggregate';
import { InvalidOrderError } from '../../domain/order.errors';
import { OrderRepository } from '../ports/order.repository.port';
import { PlaceOrderHandler } from './place-order.handler';

class InMemoryOrders implements OrderRepository {
  readonly rows = new Map<string, Order>();
  async insert(order: Order): Promise<void> {
    this.rows.set(order.id, order);
  }
  async findById(id: string): Promise<Order | null> {
    return this.rows.get(id) ?? null;
  }
}

describe('PlaceOrderHandler', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const make = (repo: InMemoryOrders) =>
    new PlaceOrderHandler(repo, { now: () => now }, { next: () => '11111111-1111-4111-8111-111111111111' });

  it('stores a PENDING order and returns it', async () => {
    const repo = new InMemoryOrders();
    const result = await make(repo).execute({
      customerId: '22222222-2222-4222-8222-222222222222',
      lines: [{ sku: 'SKU-1', quantity: 3 }],
    });
    expect(result).toMatchObject({ id: '11111111-1111-4111-8111-111111111111', status: 'PENDING', createdAt: now });
    expect(repo.rows.get(result.id)?.snapshot().lines).toEqual([{ sku: 'SKU-1', quantity: 3 }]);
  });

  it('writes nothing when the order breaks an invariant', async () => {
    const repo = new InMemoryOrders();
    await expect(
      make(repo).execute({
        customerId: '22222222-2222-4222-8222-222222222222',
        lines: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 1 },
        ],
      }),
    ).rejects.toBeInstanceOf(InvalidOrderError);
    expect(repo.rows.size).toBe(0);
  });
});
