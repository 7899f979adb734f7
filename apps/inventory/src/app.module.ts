import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { serviceInfrastructure } from '@ordermesh/platform';
import { CreateProductHandler } from './application/create-product/create-product.handler';
import { ExpireReservations } from './application/expire-reservations/expire-reservations.handler';
import { GetProductHandler } from './application/get-product/get-product.handler';
import { ListProductsHandler } from './application/list-products/list-products.handler';
import { CLOCK, ID_GENERATOR, RESERVATION_POLICY } from './application/ports/clock.port';
import { PRODUCT_REPOSITORY } from './application/ports/product.repository.port';
import { InventoryConfig } from './config';
import { InventoryPrisma } from './infrastructure/prisma/prisma.service';
import { PrismaProductRepository } from './infrastructure/prisma/product.repository';
import { ProductsController } from './interface/http/products.controller';
import { inventoryReactions } from './interface/messaging/inventory-reactions';
import { EXPIRY_SWEEP_OPTIONS, ExpirySweep } from './interface/scheduling/expiry-sweep';

@Module({})
export class InventoryAppModule {
  static register(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryAppModule,
      imports: serviceInfrastructure(config),
      controllers: [ProductsController],
      providers: [
        InventoryPrisma,
        { provide: PRODUCT_REPOSITORY, useClass: PrismaProductRepository },
        { provide: CLOCK, useValue: { now: () => new Date() } },
        { provide: ID_GENERATOR, useValue: { next: () => randomUUID() } },
        { provide: RESERVATION_POLICY, useValue: { ttlMs: config.reservations.ttlMs } },
        { provide: EXPIRY_SWEEP_OPTIONS, useValue: { intervalMs: config.reservations.sweepIntervalMs } },
        CreateProductHandler,
        GetProductHandler,
        ListProductsHandler,
        ExpireReservations,
        ExpirySweep,
        ...inventoryReactions,
      ],
    };
  }
}
