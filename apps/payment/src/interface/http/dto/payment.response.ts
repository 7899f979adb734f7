import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PAYMENT_STATUSES, PaymentSnapshot, PaymentStatus } from '../../../domain/payment';

export class FindPaymentsQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  orderId!: string;
}

export class PaymentResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ description: 'Integer minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Captured so far, integer minor units' }) capturedAmount!: number;
  @ApiProperty({ description: 'Refunded so far, integer minor units' }) refundedAmount!: number;
  @ApiProperty({ enum: PAYMENT_STATUSES }) status!: PaymentStatus;
  @ApiProperty({ nullable: true, type: String }) declineReason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(p: PaymentSnapshot): PaymentResponse {
    return {
      id: p.id,
      orderId: p.orderId,
      amount: p.amount,
      currency: p.currency,
      capturedAmount: p.capturedAmount,
      refundedAmount: p.refundedAmount,
      status: p.status,
      declineReason: p.declineReason,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  }
}
