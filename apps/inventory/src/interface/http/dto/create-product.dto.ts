import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { MAX_STOCK, SKU_PATTERN } from '../../../domain/product';

export class CreateProductDto {
  @ApiProperty({ example: 'MUG-RED', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, dot, underscore or dash' })
  sku!: string;

  @ApiProperty({ example: 'Red mug' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({ description: 'Unit price in integer minor units (cents)', example: 1299 })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  unitPrice!: number;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217 code' })
  @IsString()
  @Length(3, 3)
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code in capitals, such as EUR' })
  currency!: string;

  @ApiProperty({ example: 100, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  initialStock!: number;
}
