import { ProductSnapshot } from '../../domain/product';

export const PRODUCT_REPOSITORY = Symbol('PRODUCT_REPOSITORY');

export interface ProductPage {
  items: ProductSnapshot[];
  nextCursor: string | null;
}

export interface ProductRepository {
  /** Inserts the product and its stock level atomically; throws ProductAlreadyExistsError on a taken sku. */
  insert(product: ProductSnapshot): Promise<void>;
  findBySku(sku: string): Promise<ProductSnapshot | null>;
  /** Products ordered by sku, after `cursor` (exclusive). */
  list(limit: number, cursor: string | null): Promise<ProductPage>;
}
