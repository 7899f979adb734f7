import { Inject, Injectable } from '@nestjs/common';
import { PRODUCT_REPOSITORY, ProductPage, ProductRepository } from '../ports/product.repository.port';

@Injectable()
export class ListProductsHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  execute(limit: number, cursor: string | null): Promise<ProductPage> {
    return this.products.list(limit, cursor);
  }
}
