import { Transform } from 'class-transformer';
import { IsIn, IsInt, Matches, Max, Min } from 'class-validator';

/** 'true'/'false'/'1'/'0' → boolean; anything else stays a string and fails @IsBoolean. */
export function EnvBoolean(): PropertyDecorator {
  return Transform(({ value }) => {
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return value;
  });
}

/** Decimal integer strings → number; anything else stays a string and fails @IsInt. */
export function EnvInt(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value,
  );
}

/** Decimal number strings → number; anything else stays a string and fails @IsNumber. */
export function EnvFloat(): PropertyDecorator {
  return Transform(({ value }) =>
    typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value,
  );
}

export function IsPort(): PropertyDecorator {
  return (target, key) => {
    EnvInt()(target, key);
    IsInt({ message: 'must be an integer port number' })(target, key);
    Min(1, { message: 'must be between 1 and 65535' })(target, key);
    Max(65535, { message: 'must be between 1 and 65535' })(target, key);
  };
}

export function IsPostgresUrl(): PropertyDecorator {
  return Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'must be a postgresql:// connection URL' });
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function IsLogLevel(): PropertyDecorator {
  return IsIn([...LOG_LEVELS], { message: `must be one of ${LOG_LEVELS.join(', ')}` });
}
