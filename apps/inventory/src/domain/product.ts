import { Money, money } from './money';
import { InvalidProductError } from './product.errors';

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_STOCK = 1_000_000_000;

/** Stock buckets. Invariant: all >= 0; reserving moves units available → reserved, committing reserved → committed. */
export interface StockLevel {
  available: number;
  reserved: number;
  committed: number;
}

export interface ProductSnapshot {
  sku: string;
  name: string;
  unitPrice: Money;
  stock: StockLevel;
  createdAt: Date;
}

export function newProduct(input: {
  sku: string;
  name: string;
  unitPriceAmount: number;
  currency: string;
  initialStock: number;
  now: Date;
}): ProductSnapshot {
  if (!SKU_PATTERN.test(input.sku)) {
    throw new InvalidProductError(
      'PRODUCT.INVALID_SKU',
      'sku must be 1-64 letters, digits, dot, underscore or dash',
      {
        sku: input.sku,
      },
    );
  }
  if (!Number.isInteger(input.initialStock) || input.initialStock < 0 || input.initialStock > MAX_STOCK) {
    throw new InvalidProductError(
      'PRODUCT.INVALID_STOCK',
      `initialStock must be an integer in 0..${MAX_STOCK}`,
      {
        initialStock: input.initialStock,
      },
    );
  }
  return {
    sku: input.sku,
    name: input.name,
    unitPrice: money(input.unitPriceAmount, input.currency),
    stock: { available: input.initialStock, reserved: 0, committed: 0 },
    createdAt: input.now,
  };
}
