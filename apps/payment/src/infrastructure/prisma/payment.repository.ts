import { Injectable } from '@nestjs/common';
import { PaymentSnapshot, PaymentStatus } from '../../domain/payment';
import { PaymentRepository } from '../../application/ports/payment.repository.port';
import { PaymentPrisma } from './prisma.service';

@Injectable()
export class PrismaPaymentRepository implements PaymentRepository {
  constructor(private readonly prisma: PaymentPrisma) {}

  async findByOrderId(orderId: string): Promise<PaymentSnapshot[]> {
    const rows = await this.prisma.payment.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return rows.map((r) => ({
      id: r.id,
      orderId: r.orderId,
      customerId: r.customerId,
      amount: Number(r.amount),
      currency: r.currency,
      status: r.status as PaymentStatus,
      declineReason: r.declineReason,
      gatewayRef: r.gatewayRef,
      capturedAmount: Number(r.capturedAmount),
      refundedAmount: Number(r.refundedAmount),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
  }
}
