import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, HealthModule, loggingModule } from '@ordermesh/platform';
import { CreateProductHandler } from './application/create-product/create-product.handler';
import { GetProductHandler } from './application/get-product/get-product.handler';
import { ListProductsHandler } from './application/list-products/list-products.handler';
import { PRODUCT_REPOSITORY } from './application/ports/product.repository.port';
import { InventoryConfig } from './config';
import { InventoryPrisma } from './infrastructure/prisma/prisma.service';
import { PrismaProductRepository } from './infrastructure/prisma/product.repository';
import { ProductsController } from './interface/http/products.controller';

@Module({})
export class InventoryAppModule {
  static register(config: InventoryConfig): DynamicModule {
    return {
      module: InventoryAppModule,
      imports: [
        loggingModule({ service: config.service, level: config.log.level }),
        DatabaseModule.forRoot({ url: config.database.url, poolSize: config.database.poolSize, applicationName: 'inventory' }),
        HealthModule.forRoot(),
      ],
      controllers: [ProductsController],
      providers: [
        InventoryPrisma,
        { provide: PRODUCT_REPOSITORY, useClass: PrismaProductRepository },
        CreateProductHandler,
        GetProductHandler,
        ListProductsHandler,
      ],
    };
  }
}
