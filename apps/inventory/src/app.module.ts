import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { serviceInfrastructure } from '@ordermesh/platform';
import { CommitStockWhenFulfillmentRequested } from './application/commit-stock-when-fulfillment-requested/commit-stock-when-fulfillment-requested.handler';
import { ConfirmReservationWhenPaymentAuthorized } from './application/confirm-reservation-when-payment-authorized/confirm-reservation-when-payment-authorized.handler';
import { CreateProductHandler } from './application/create-product/create-product.handler';
import { ExpireReservations } from './application/expire-reservations/expire-reservations.handler';
import { GetProductHandler } from './application/get-product/get-product.handler';
import { ListProductsHandler } from './application/list-products/list-products.handler';
import { CLOCK, ID_GENERATOR, RESERVATION_POLICY } from './application/ports/clock.port';
import { PRODUCT_REPOSITORY } from './application/ports/product.repository.port';
import { RESERVATION_REPOSITORY } from './application/ports/reservation.repository.port';
import { ReleaseStockWhenOrderCancelled } from './application/release-stock-when-order-cancelled/release-stock-when-order-cancelled.handler';
import { ReserveStockWhenOrderPlaced } from './application/reserve-stock-when-order-placed/reserve-stock-when-order-placed.handler';
import { InventoryConfig } from './config';
import { InventoryPrisma } from './infrastructure/prisma/prisma.service';
import { PrismaProductRepository } from './infrastructure/prisma/product.repository';
import { InventoryRunScope } from './interface/messaging/inventory-run-scope';
import { SqlReservationRepository } from './infrastructure/sql/reservation.repository';
import { ProductsController } from './interface/http/products.controller';
import { OrderEventsConsumer } from './interface/messaging/order-events.consumer';
import { PaymentEventsConsumer } from './interface/messaging/payment-events.consumer';
import { EXPIRY_SWEEP_OPTIONS, ExpirySweep } from './interface/scheduling/expiry-sweep';

@Module({})
export class InventoryAppModule {
  static register(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryAppModule,
      imports: serviceInfrastructure(config),
      controllers: [ProductsController, OrderEventsConsumer, PaymentEventsConsumer],
      providers: [
        InventoryPrisma,
        { provide: PRODUCT_REPOSITORY, useClass: PrismaProductRepository },
        { provide: RESERVATION_REPOSITORY, useClass: SqlReservationRepository },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        { provide: RESERVATION_POLICY, useValue: { ttlMs: config.reservations.ttlMs } },
        { provide: EXPIRY_SWEEP_OPTIONS, useValue: { intervalMs: config.reservations.sweepIntervalMs } },
        CreateProductHandler,
        GetProductHandler,
        ListProductsHandler,
        ReserveStockWhenOrderPlaced,
        ConfirmReservationWhenPaymentAuthorized,
        ReleaseStockWhenOrderCancelled,
        CommitStockWhenFulfillmentRequested,
        ExpireReservations,
        ExpirySweep,
        InventoryRunScope,
      ],
    };
  }
}
