import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, HealthModule, loggingModule } from '@ordermesh/platform';
import { GetOrderHandler } from './application/get-order/get-order.handler';
import { PlaceOrderHandler } from './application/place-order/place-order.handler';
import { CLOCK, ID_GENERATOR } from './application/ports/clock.port';
import { ORDER_REPOSITORY } from './application/ports/order.repository.port';
import { OrderConfig } from './config';
import { PrismaOrderRepository } from './infrastructure/prisma/order.repository';
import { OrderPrisma } from './infrastructure/prisma/prisma.service';
import { OrdersController } from './interface/http/orders.controller';

@Module({})
export class OrderAppModule {
  static register(config: OrderConfig): DynamicModule {
    return {
      module: OrderAppModule,
      imports: [
        loggingModule({ service: config.service, level: config.log.level }),
        DatabaseModule.forRoot({ url: config.database.url, poolSize: config.database.poolSize, applicationName: 'order' }),
        HealthModule.forRoot(),
      ],
      controllers: [OrdersController],
      providers: [
        OrderPrisma,
        { provide: ORDER_REPOSITORY, useClass: PrismaOrderRepository },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        PlaceOrderHandler,
        GetOrderHandler,
      ],
    };
  }
}
