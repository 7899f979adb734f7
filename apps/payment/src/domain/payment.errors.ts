import { AppError } from '@ordermesh/platform';

/** A rule of the payment itself was broken (an amount that is not integer minor units, an approval without a reference). */
export class InvalidPaymentError extends AppError {
  readonly kind = 'validation' as const;
  constructor(
    readonly code: 'PAYMENT.INVALID_AMOUNT' | 'PAYMENT.INVALID_CURRENCY' | 'PAYMENT.MISSING_GATEWAY_REF',
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}
