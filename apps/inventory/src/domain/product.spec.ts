import { newProduct } from './product';
import { InvalidProductError } from './product.errors';

const valid = {
  sku: 'MUG-1',
  name: 'Mug',
  unitPriceAmount: 1299,
  currency: 'EUR',
  initialStock: 5,
  now: new Date(0),
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof InvalidProductError ? e.code : 'unexpected';
  }
  return undefined;
}

describe('newProduct', () => {
  it('starts with all initial stock available', () => {
    expect(newProduct(valid)).toMatchObject({
      unitPrice: { amount: 1299, currency: 'EUR' },
      stock: { available: 5, reserved: 0, committed: 0 },
    });
  });

  it.each([
    ['a negative price', { unitPriceAmount: -1 }, 'PRODUCT.INVALID_PRICE'],
    ['a fractional price', { unitPriceAmount: 12.5 }, 'PRODUCT.INVALID_PRICE'],
    ['a lower-case currency', { currency: 'eur' }, 'PRODUCT.INVALID_PRICE'],
    ['negative stock', { initialStock: -1 }, 'PRODUCT.INVALID_STOCK'],
    ['fractional stock', { initialStock: 0.5 }, 'PRODUCT.INVALID_STOCK'],
    ['a sku with spaces', { sku: 'A B' }, 'PRODUCT.INVALID_SKU'],
  ])('rejects %s', (_name, patch, code) => {
    expect(codeOf(() => newProduct({ ...valid, ...patch }))).toBe(code);
  });

  it('accepts zero stock and a free product', () => {
    expect(codeOf(() => newProduct({ ...valid, initialStock: 0, unitPriceAmount: 0 }))).toBeUndefined();
  });
});
