import { InvalidProductError } from './product.errors';

/** An amount in integer minor units (cents) of an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new InvalidProductError(
      'PRODUCT.INVALID_PRICE',
      'Price must be a non-negative integer in minor units',
      { amount },
    );
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new InvalidProductError('PRODUCT.INVALID_PRICE', 'Currency must be an ISO 4217 code such as EUR', {
      currency,
    });
  }
  return { amount, currency };
}
