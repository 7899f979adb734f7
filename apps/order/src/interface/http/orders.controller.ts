import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CorrelationId, UuidParamPipe, ValidationFailedError } from '@ordermesh/platform';
import { CancelOrderHandler } from '../../application/cancel-order/cancel-order.handler';
import { FulfillOrderHandler } from '../../application/fulfill-order/fulfill-order.handler';
import { GetOrderHandler } from '../../application/get-order/get-order.handler';
import { GetOrderTimelineHandler } from '../../application/get-order-timeline/get-order-timeline.handler';
import { ListOrdersHandler } from '../../application/list-orders/list-orders.handler';
import { PlaceOrderHandler } from '../../application/place-order/place-order.handler';
import { ListOrdersQuery } from './dto/list-orders.query';
import { OrderPageResponse, OrderResponse } from './dto/order.response';
import { OrderTimelineResponse } from './dto/order-timeline.response';
import { PlaceOrderDto } from './dto/place-order.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly getOrder: GetOrderHandler,
    private readonly listOrders: ListOrdersHandler,
    private readonly cancelOrder: CancelOrderHandler,
    private readonly fulfillOrder: FulfillOrderHandler,
    private readonly getOrderTimeline: GetOrderTimelineHandler,
  ) {}

  @Post()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body again returns the same order (200)',
  })
  @ApiCreatedResponse({ type: OrderResponse, description: 'The order, PENDING until the saga decides' })
  @ApiOkResponse({
    type: OrderResponse,
    description: 'Replay of an earlier request with the same Idempotency-Key',
  })
  @ApiBadRequestResponse({
    description: 'VALIDATION.FAILED, REQUEST.MALFORMED_JSON, ORDER.* rule violations',
  })
  @ApiConflictResponse({ description: 'ORDER.IDEMPOTENCY_KEY_REUSED: same key, different body' })
  async place(
    @Body() body: PlaceOrderDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CorrelationId() correlationId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderResponse> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationFailedError('Idempotency-Key must be 1-200 printable ASCII characters', [
        { field: 'Idempotency-Key', messages: ['must be 1-200 printable ASCII characters'] },
      ]);
    }
    const result = await this.placeOrder.execute({
      customerId: body.customerId.toLowerCase(),
      lines: body.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
      idempotencyKey: idempotencyKey ?? null,
      correlationId,
    });
    void reply.status(result.created ? 201 : 200);
    return OrderResponse.from(result.order);
  }

  @Get()
  @ApiOkResponse({ type: OrderPageResponse, description: 'Newest first; filter by customer and status' })
  async list(@Query() query: ListOrdersQuery): Promise<OrderPageResponse> {
    const page = await this.listOrders.execute(
      { customerId: query.customerId?.toLowerCase(), status: query.status },
      query.limit ?? 50,
      query.cursor ?? null,
    );
    return { items: page.items.map((o) => OrderResponse.from(o)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOkResponse({
    type: OrderResponse,
    description: 'Status, lines, total, cancellation reason and history',
  })
  @ApiNotFoundResponse({ description: 'ORDER.NOT_FOUND' })
  async get(@Param('id', UuidParamPipe) id: string): Promise<OrderResponse> {
    const { order, history } = await this.getOrder.execute(id);
    return OrderResponse.from(order, history);
  }

  @Get(':id/timeline')
  @ApiOkResponse({
    type: OrderTimelineResponse,
    description: 'Every event of the order in causal order: who produced it, what it did, what caused it',
  })
  @ApiBadRequestResponse({ description: 'VALIDATION.FAILED: the id is not a UUID' })
  @ApiNotFoundResponse({ description: 'ORDER.NOT_FOUND' })
  timeline(@Param('id', UuidParamPipe) id: string): Promise<OrderTimelineResponse> {
    return this.getOrderTimeline.execute(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: OrderResponse, description: 'CANCELLED (CUSTOMER_REQUEST); compensations follow' })
  @ApiConflictResponse({ description: 'ORDER.NOT_CANCELLABLE' })
  async cancel(
    @Param('id', UuidParamPipe) id: string,
    @CorrelationId() correlationId: string,
  ): Promise<OrderResponse> {
    return OrderResponse.from(await this.cancelOrder.execute(id, correlationId));
  }

  @Post(':id/fulfill')
  @HttpCode(202)
  @ApiOkResponse({
    type: OrderResponse,
    description: 'Accepted: FULFILLED once stock is committed and payment captured',
  })
  @ApiConflictResponse({ description: 'ORDER.NOT_FULFILLABLE' })
  async fulfill(
    @Param('id', UuidParamPipe) id: string,
    @CorrelationId() correlationId: string,
  ): Promise<OrderResponse> {
    return OrderResponse.from(await this.fulfillOrder.execute(id, correlationId));
  }
}
