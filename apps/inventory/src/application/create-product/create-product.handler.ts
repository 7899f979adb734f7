import { Inject, Injectable } from '@nestjs/common';
import { newProduct, ProductSnapshot } from '../../domain/product';
import { PRODUCT_REPOSITORY, ProductRepository } from '../ports/product.repository.port';

export interface CreateProductCommand {
  sku: string;
  name: string;
  unitPriceAmount: number;
  currency: string;
  initialStock: number;
}

@Injectable()
export class CreateProductHandler {
  constructor(@Inject(PRODUCT_REPOSITORY) private readonly products: ProductRepository) {}

  async execute(cmd: CreateProductCommand): Promise<ProductSnapshot> {
    const product = newProduct({ ...cmd, now: new Date() });
    await this.products.insert(product);
    return product;
  }
}
