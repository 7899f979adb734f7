import { Injectable } from '@nestjs/common';
import { Order } from '../../domain/order.aggregate';
import { OrderStatus } from '../../domain/order-status';
import { OrderRepository } from '../../application/ports/order.repository.port';
import { OrderPrisma } from './prisma.service';

@Injectable()
export class PrismaOrderRepository implements OrderRepository {
  constructor(private readonly prisma: OrderPrisma) {}

  async insert(order: Order): Promise<void> {
    const s = order.snapshot();
    // Nested create: the order and its lines commit together or not at all.
    await this.prisma.order.create({
      data: {
        id: s.id,
        customerId: s.customerId,
        status: s.status,
        version: s.version,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
        lines: { create: s.lines.map((l, i) => ({ lineNo: i + 1, sku: l.sku, quantity: l.quantity })) },
      },
    });
  }

  async findById(id: string): Promise<Order | null> {
    const row = await this.prisma.order.findUnique({ where: { id }, include: { lines: { orderBy: { lineNo: 'asc' } } } });
    if (!row) return null;
    return Order.restore({
      id: row.id,
      customerId: row.customerId,
      status: row.status as OrderStatus,
      lines: row.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      totalAmount: row.totalAmount === null ? null : Number(row.totalAmount),
      currency: row.currency,
      cancellationReason: row.cancellationReason,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  }
}
