import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ORDER_STATUSES, OrderStatus } from '../../../domain/order-status';

class TimelineEventResponse {
  @ApiProperty({ description: 'Position in causal order, from 1', example: 1 }) seq!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'StockReserved' }) eventType!: string;
  @ApiProperty({
    enum: ['order', 'inventory', 'payment'],
    description: 'The service that produced the event',
  })
  service!: string;
  @ApiProperty({ description: 'When the producer raised it' }) occurredAt!: string;
  @ApiProperty({ description: 'When the order service recorded it' }) recordedAt!: string;
  @ApiProperty({ description: 'occurredAt minus the saga start (OrderPlaced)', example: 12 })
  sinceStartMs!: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The event this one reacts to' })
  causationId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The cause's event type, if it is in this timeline",
  })
  causedBy!: string | null;
  @ApiProperty({ description: 'Causal depth: 0 for a root (an order placed, a customer cancel, a timer)' })
  depth!: number;
  @ApiProperty({ nullable: true, type: String, description: 'W3C trace id the event travelled with' })
  traceId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'W3C span id the event travelled with' })
  spanId!: string | null;
  @ApiProperty({ enum: ORDER_STATUSES, description: 'Order status once the order service handled it' })
  statusAfter!: OrderStatus;
  @ApiProperty({
    example: 'reserved 2 lines (3 units), total 59.98 EUR, held until 2030-01-01T00:15:00.000Z',
  })
  action!: string;
  @ApiProperty({
    enum: ['applied', 'none'],
    description: "'none': it changed nothing (a late or irrelevant event, kept for the story)",
  })
  effect!: 'applied' | 'none';
  @ApiProperty({ type: Object, description: 'The relevant payload fields' })
  details!: Record<string, unknown>;
}

export class OrderTimelineResponse {
  @ApiProperty({ format: 'uuid' }) orderId!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Carried by every event of this saga' })
  correlationId!: string | null;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: OrderStatus;
  @ApiPropertyOptional({ example: 'PAYMENT_DECLINED' }) cancellationReason?: string;
  @ApiProperty({ description: 'When the order was placed' }) startedAt!: string;
  @ApiPropertyOptional({ description: 'When it became CANCELLED or FULFILLED' }) finishedAt?: string;
  @ApiPropertyOptional({ description: 'finishedAt minus startedAt' }) durationMs?: number;
  @ApiProperty({ type: [String], description: 'Distinct trace ids of the events, in causal order' })
  traceIds!: string[];
  @ApiProperty({ type: [TimelineEventResponse], description: 'Causes before effects; ties by time' })
  events!: TimelineEventResponse[];
}
