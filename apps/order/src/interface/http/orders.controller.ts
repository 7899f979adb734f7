import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UuidParamPipe } from '@ordermesh/platform';
import { GetOrderHandler } from '../../application/get-order/get-order.handler';
import { PlaceOrderHandler } from '../../application/place-order/place-order.handler';
import { OrderResponse } from './dto/order.response';
import { PlaceOrderDto } from './dto/place-order.dto';

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly placeOrder: PlaceOrderHandler,
    private readonly getOrder: GetOrderHandler,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: OrderResponse, description: 'The order, PENDING until the saga decides' })
  @ApiBadRequestResponse({ description: 'VALIDATION.FAILED, REQUEST.MALFORMED_JSON, ORDER.* rule violations' })
  async place(@Body() body: PlaceOrderDto): Promise<OrderResponse> {
    const order = await this.placeOrder.execute({
      customerId: body.customerId.toLowerCase(),
      lines: body.items.map((i) => ({ sku: i.sku, quantity: i.quantity })),
    });
    return OrderResponse.from(order);
  }

  @Get(':id')
  @ApiOkResponse({ type: OrderResponse })
  @ApiNotFoundResponse({ description: 'ORDER.NOT_FOUND' })
  async get(@Param('id', UuidParamPipe) id: string): Promise<OrderResponse> {
    return OrderResponse.from(await this.getOrder.execute(id));
  }
}
