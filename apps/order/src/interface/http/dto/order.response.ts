import { ApiProperty } from '@nestjs/swagger';
import { ORDER_STATUSES, OrderStatus } from '../../../domain/order-status';
import { OrderSnapshot } from '../../../domain/order.aggregate';
import type { HistoryEntry } from '../../../application/shared/order-history';

class MoneyResponse {
  @ApiProperty({ description: 'Integer amount in minor units (e.g. cents)', example: 1999 }) amount!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
}

class OrderLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty({
    type: MoneyResponse,
    nullable: true,
    description: 'Known once inventory has priced the order',
  })
  unitPrice!: MoneyResponse | null;
}

class HistoryResponse {
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['order', 'inventory', 'payment'] }) producer!: string;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) causationId!: string | null;
  @ApiProperty({ enum: ORDER_STATUSES }) statusAfter!: OrderStatus;
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ type: Object }) detail!: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, description: 'W3C trace id the event travelled with' })
  traceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'W3C span id the event travelled with' })
  spanId!: string | null;
}

export class OrderResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) customerId!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiProperty({ type: [OrderLineResponse] }) lines!: OrderLineResponse[];
  @ApiProperty({
    type: MoneyResponse,
    nullable: true,
    description: 'Known once inventory has priced the order',
  })
  total!: MoneyResponse | null;
  @ApiProperty({ nullable: true, type: String }) cancellationReason!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) paymentId!: string | null;
  @ApiProperty({ nullable: true, type: String }) fulfillmentRequestedAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({
    type: [HistoryResponse],
    required: false,
    description: 'What happened, in order (GET /orders/:id only)',
  })
  history?: HistoryResponse[];

  static from(s: OrderSnapshot, history?: HistoryEntry[]): OrderResponse {
    return {
      id: s.id,
      customerId: s.customerId,
      status: s.status,
      lines: s.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? null })),
      total: s.totalAmount !== null && s.currency ? { amount: s.totalAmount, currency: s.currency } : null,
      cancellationReason: s.cancellationReason,
      paymentId: s.paymentId,
      fulfillmentRequestedAt: s.fulfillmentRequestedAt?.toISOString() ?? null,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
      ...(history ? { history: history.map((h) => ({ ...h })) } : {}),
    };
  }
}

export class OrderPageResponse {
  @ApiProperty({ type: [OrderResponse] }) items!: OrderResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?cursor= for the next page' })
  nextCursor!: string | null;
}
