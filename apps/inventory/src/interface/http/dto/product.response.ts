import { ApiProperty } from '@nestjs/swagger';
import { ProductSnapshot } from '../../../domain/product';

class PriceResponse {
  @ApiProperty({ description: 'Integer minor units' }) amount!: number;
  @ApiProperty() currency!: string;
}

class StockResponse {
  @ApiProperty() available!: number;
  @ApiProperty() reserved!: number;
  @ApiProperty() committed!: number;
}

export class ProductResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: PriceResponse }) unitPrice!: PriceResponse;
  @ApiProperty({ type: StockResponse }) stock!: StockResponse;
  @ApiProperty() createdAt!: string;

  static from(p: ProductSnapshot): ProductResponse {
    return {
      sku: p.sku,
      name: p.name,
      unitPrice: { ...p.unitPrice },
      stock: { ...p.stock },
      createdAt: p.createdAt.toISOString(),
    };
  }
}

export class ProductPageResponse {
  @ApiProperty({ type: [ProductResponse] }) items!: ProductResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as ?cursor= to get the next page' })
  nextCursor!: string | null;
}
