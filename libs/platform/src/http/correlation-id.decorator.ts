import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The request's correlation id (the caller's x-correlation-id, or the one minted for this request). */
export const CorrelationId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  return String(ctx.switchToHttp().getRequest<{ id: string }>().id);
});
