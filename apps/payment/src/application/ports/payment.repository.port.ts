import { PaymentSnapshot } from '../../domain/payment';

export const PAYMENT_REPOSITORY = Symbol('PAYMENT_REPOSITORY');

export interface PaymentRepository {
  findByOrderId(orderId: string): Promise<PaymentSnapshot[]>;
}
