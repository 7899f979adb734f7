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
    readonly code:
      'ORDER.NO_LINES' | 'ORDER.TOO_MANY_LINES' | 'ORDER.DUPLICATE_SKU' | 'ORDER.INVALID_QUANTITY',
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}

export class OrderNotCancellableError extends AppError {
  readonly code = 'ORDER.NOT_CANCELLABLE';
  readonly kind = 'conflict' as const;
  constructor(orderId: string, status: string, why: string) {
    super(`Order ${orderId} cannot be cancelled: ${why}`, { orderId, status });
  }
}

export class OrderNotFulfillableError extends AppError {
  readonly code = 'ORDER.NOT_FULFILLABLE';
  readonly kind = 'conflict' as const;
  constructor(orderId: string, status: string, why: string) {
    super(`Order ${orderId} cannot be fulfilled: ${why}`, { orderId, status });
  }
}

export class IdempotencyKeyReusedError extends AppError {
  readonly code = 'ORDER.IDEMPOTENCY_KEY_REUSED';
  readonly kind = 'conflict' as const;
  constructor(key: string, orderId: string) {
    super('This Idempotency-Key was already used with a different request body', {
      idempotencyKey: key,
      orderId,
    });
  }
}
