import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MAX_LINE_QUANTITY, MAX_ORDER_LINES } from '../../../domain/order.aggregate';

export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class OrderItemDto {
  @ApiProperty({ example: 'SKU-RED-MUG', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, dot, underscore or dash' })
  sku!: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_LINE_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_LINE_QUANTITY)
  quantity!: number;
}

export class PlaceOrderDto {
  @ApiProperty({ format: 'uuid', example: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b' })
  @IsUUID('all')
  customerId!: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_ORDER_LINES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ArrayUnique((item: OrderItemDto) => item?.sku, { message: 'items must not repeat a sku' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
