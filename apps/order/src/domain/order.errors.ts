import { AppError } from '@ordermesh/platform';

export class OrderNotFoundError extends AppError {
  readonly code = 'ORDER.NOT_FOUND';
  readonly kind = 'not_found' as const;
  constructor(orderId: string) {
    super(`Order ${orderId} was not found`, { orderId });
  }
}

/** A rule of the order itself was broken (the HTTP DTO catches most shapes earlier; this is the last word). */
export class InvalidOrderError extends AppError {
  readonly kind = 'validation' as const;
  constructor(
    readonly code: 'ORDER.NO_LINES' | 'ORDER.TOO_MANY_LINES' | 'ORDER.DUPLICATE_SKU' | 'ORDER.INVALID_QUANTITY',
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}
