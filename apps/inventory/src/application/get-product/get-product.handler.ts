import { Inject, Injectable } from '@nestjs/common';
import { ProductSnapshot } from '../../domain/product';
import { ProductNotFoundError } from '../../domain/product.errors';
import { PRODUCT_REPOSITORY, ProductRepository } from '../ports/product.repository.port';

@Injectable()
export class GetProductHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(sku: string): Promise<ProductSnapshot> {
    const product = await this.products.findBySku(sku);
    if (!product) throw new ProductNotFoundError(sku);
    return product;
  }
}
