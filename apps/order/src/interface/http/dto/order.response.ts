import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, OrderStatus } from '../../../domain/order-status';
import { OrderSnapshot } from '../../../domain/order.aggregate';

class OrderLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
}

class MoneyResponse {
  @ApiProperty({ description: 'Integer amount in minor units (e.g. cents)', example: 1999 }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
}

export class OrderResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiProperty({ type: [OrderLineResponse] }) lines!: OrderLineResponse[];
  @ApiProperty({ type: MoneyResponse, nullable: true, description: 'Known once inventory has priced the order' })
  total!: MoneyResponse | null;
  @ApiProperty({ nullable: true, type: String }) cancellationReason!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;

  static from(s: OrderSnapshot): OrderResponse {
    return {
      id: s.id,
      customerId: s.customerId,
      status: s.status,
      lines: s.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      total: s.totalAmount !== null && s.currency ? { amount: s.totalAmount, currency: s.currency } : null,
      cancellationReason: s.cancellationReason,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}
