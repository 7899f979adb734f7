import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsNumber, Max, Min, ValidateIf } from 'class-validator';

/** Present means "validate it" (so `null` is refused, not silently ignored). */
const Given = () => ValidateIf((_o: unknown, v: unknown) => v !== undefined);
const Rate = (): PropertyDecorator => (target, key) => {
  Given()(target, key);
  IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
  Min(0)(target, key);
  Max(1)(target, key);
};
const Millis = (): PropertyDecorator => (target, key) => {
  Given()(target, key);
  IsInt()(target, key);
  Min(0)(target, key);
  Max(60_000)(target, key);
};

/** `PUT /admin/chaos`: any subset of the toggles, merged into the current ones. Unknown properties are refused. */
export class ChaosTogglesPatch {
  @ApiPropertyOptional({ minimum: 0, maximum: 0xffff_ffff, description: 'Re-seeds the PRNG' })
  @Given()
  @IsInt()
  @Min(0)
  @Max(0xffff_ffff)
  seed?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1 }) @Rate() handlerFailureRate?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1 }) @Rate() crashAfterCommitRate?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1 }) @Rate() duplicateDeliveryRate?: number;
  @ApiPropertyOptional() @Given() @IsBoolean() relayPaused?: boolean;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'payment only' })
  @Rate()
  paymentDeclineRate?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 60_000, description: 'payment only' })
  @Millis()
  gatewayLatencyMs?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 60_000, description: 'payment only' })
  @Millis()
  gatewayJitterMs?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 1, description: 'payment only' })
  @Rate()
  gatewayFailureRate?: number;
}
