import { Injectable } from '@nestjs/common';
import { ProductSnapshot } from '../../domain/product';
import { ProductAlreadyExistsError } from '../../domain/product.errors';
import { ProductPage, ProductRepository } from '../../application/ports/product.repository.port';
import { InventoryPrisma } from './prisma.service';

type ProductRow = {
  sku: string;
  name: string;
  unitPriceAmount: bigint;
  currency: string;
  createdAt: Date;
  stock: { available: number; reserved: number; committed: number } | null;
};

@Injectable()
export class PrismaProductRepository implements ProductRepository {
  constructor(private readonly prisma: InventoryPrisma) {}

  async insert(p: ProductSnapshot): Promise<void> {
    try {
      await this.prisma.product.create({
        data: {
          sku: p.sku,
          name: p.name,
          unitPriceAmount: BigInt(p.unitPrice.amount),
          currency: p.unitPrice.currency,
          createdAt: p.createdAt,
          updatedAt: p.createdAt,
          stock: { create: { ...p.stock, updatedAt: p.createdAt } },
        },
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw new ProductAlreadyExistsError(p.sku);
      throw err;
    }
  }

  async findBySku(sku: string): Promise<ProductSnapshot | null> {
    const row = await this.prisma.product.findUnique({ where: { sku }, include: { stock: true } });
    return row ? toSnapshot(row) : null;
  }

  async list(limit: number, cursor: string | null): Promise<ProductPage> {
    const rows = await this.prisma.product.findMany({
      where: cursor ? { sku: { gt: cursor } } : {},
      orderBy: { sku: 'asc' },
      take: limit + 1,
      include: { stock: true },
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map(toSnapshot),
      nextCursor: rows.length > limit ? page[page.length - 1]!.sku : null,
    };
  }
}

function toSnapshot(row: ProductRow): ProductSnapshot {
  return {
    sku: row.sku,
    name: row.name,
    unitPrice: { amount: Number(row.unitPriceAmount), currency: row.currency },
    stock: row.stock
      ? { available: row.stock.available, reserved: row.stock.reserved, committed: row.stock.committed }
      : { available: 0, reserved: 0, committed: 0 },
    createdAt: row.createdAt,
  };
}
