import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { serviceInfrastructure } from '@ordermesh/platform';
import { CancelOrderHandler } from './application/cancel-order/cancel-order.handler';
import { FulfillOrderHandler } from './application/fulfill-order/fulfill-order.handler';
import { GetOrderHandler } from './application/get-order/get-order.handler';
import { GetOrderTimelineHandler } from './application/get-order-timeline/get-order-timeline.handler';
import { ListOrdersHandler } from './application/list-orders/list-orders.handler';
import { PlaceOrderHandler } from './application/place-order/place-order.handler';
import { CLOCK, ID_GENERATOR } from './application/ports/clock.port';
import { ORDER_PLACEMENTS } from './application/ports/order-placements.port';
import { ORDER_QUERIES } from './application/ports/order-queries.port';
import { OrderCommand } from './application/shared/order-command';
import { OrderSagaStep } from './application/shared/order-saga-step';
import { OrderConfig } from './config';
import { PLACEMENT_BATCHING, SqlOrderPlacements } from './infrastructure/sql/order-placements';
import { SqlOrderQueries } from './infrastructure/sql/order-queries';
import { OrdersController } from './interface/http/orders.controller';
import { orderReactions } from './interface/messaging/order-reactions';

@Module({})
export class OrderAppModule {
  static register(config: OrderConfig): DynamicModule {
    return {
      module: OrderAppModule,
      imports: serviceInfrastructure(config),
      controllers: [OrdersController],
      providers: [
        { provide: PLACEMENT_BATCHING, useValue: config.placement },
        { provide: ORDER_PLACEMENTS, useClass: SqlOrderPlacements },
        { provide: ORDER_QUERIES, useClass: SqlOrderQueries },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        OrderSagaStep,
        OrderCommand,
        PlaceOrderHandler,
        GetOrderHandler,
        GetOrderTimelineHandler,
        ListOrdersHandler,
        CancelOrderHandler,
        FulfillOrderHandler,
        ...orderReactions,
      ],
    };
  }
}
