import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { ValidationFailedError } from '@ordermesh/platform';
import { CreateProductHandler } from '../../application/create-product/create-product.handler';
import { GetProductHandler } from '../../application/get-product/get-product.handler';
import { ListProductsHandler } from '../../application/list-products/list-products.handler';
import { SKU_PATTERN } from '../../domain/product';
import { CreateProductDto } from './dto/create-product.dto';
import { ListProductsQuery } from './dto/list-products.query';
import { ProductPageResponse, ProductResponse } from './dto/product.response';

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(
    private readonly createProduct: CreateProductHandler,
    private readonly getProduct: GetProductHandler,
    private readonly listProducts: ListProductsHandler,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProductResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION.FAILED or PRODUCT.INVALID_*' })
  @ApiConflictResponse({ description: 'PRODUCT.ALREADY_EXISTS' })
  async create(@Body() body: CreateProductDto): Promise<ProductResponse> {
    const product = await this.createProduct.execute({
      sku: body.sku,
      name: body.name,
      unitPriceAmount: body.unitPrice,
      currency: body.currency,
      initialStock: body.initialStock,
    });
    return ProductResponse.from(product);
  }

  @Get()
  @ApiOkResponse({ type: ProductPageResponse })
  async list(@Query() query: ListProductsQuery): Promise<ProductPageResponse> {
    const page = await this.listProducts.execute(query.limit ?? 50, query.cursor ?? null);
    return { items: page.items.map(ProductResponse.from), nextCursor: page.nextCursor };
  }

  @Get(':sku')
  @ApiOkResponse({
    type: ProductResponse,
    description: 'Catalogue data with available, reserved and committed stock',
  })
  @ApiNotFoundResponse({ description: 'PRODUCT.NOT_FOUND' })
  async get(@Param('sku') sku: string): Promise<ProductResponse> {
    if (!SKU_PATTERN.test(sku)) {
      throw new ValidationFailedError('sku is not a valid SKU', [
        { field: 'sku', messages: ['sku is not a valid SKU'] },
      ]);
    }
    return ProductResponse.from(await this.getProduct.execute(sku));
  }
}
