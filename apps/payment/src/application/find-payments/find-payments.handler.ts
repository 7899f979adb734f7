import { Inject, Injectable } from '@nestjs/common';
import { PaymentSnapshot } from '../../domain/payment';
import { PAYMENT_REPOSITORY, PaymentRepository } from '../ports/payment.repository.port';

@Injectable()
export class FindPaymentsHandler {
  constructor(@Inject(PAYMENT_REPOSITORY) private readonly payments: PaymentRepository) {}

  execute(orderId: string): Promise<PaymentSnapshot[]> {
    return this.payments.findByOrderId(orderId);
  }
}
