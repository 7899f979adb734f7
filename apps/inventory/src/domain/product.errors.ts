import { AppError } from '@ordermesh/platform';

export class ProductNotFoundError extends AppError {
  readonly code = 'PRODUCT.NOT_FOUND';
  readonly kind = 'not_found' as const;
  constructor(sku: string) {
    super(`Product ${sku} was not found`, { sku });
  }
}

export class ProductAlreadyExistsError extends AppError {
  readonly code = 'PRODUCT.ALREADY_EXISTS';
  readonly kind = 'conflict' as const;
  constructor(sku: string) {
    super(`Product ${sku} already exists`, { sku });
  }
}

export class InvalidProductError extends AppError {
  readonly kind = 'validation' as const;
  constructor(
    readonly code: 'PRODUCT.INVALID_PRICE' | 'PRODUCT.INVALID_STOCK' | 'PRODUCT.INVALID_SKU',
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}
