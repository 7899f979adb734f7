export const PAYMENT_STATUSES = ['AUTHORIZED', 'DECLINED', 'VOIDED', 'CAPTURED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A payment for one order. Amounts are integer minor units. */
export interface PaymentSnapshot {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  declineReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}
