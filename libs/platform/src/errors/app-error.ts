/**
 * Base of every typed error in ordermesh. Framework-free so domain code can throw it.
 * `code` is stable and documented (clients branch on it); `kind` decides the HTTP status in one place
 * (the HTTP error filter), so domain code never speaks HTTP.
 */
export type ErrorKind =
  | 'validation'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unavailable'
  | 'internal';

export abstract class AppError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ErrorKind;
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export interface FieldViolation {
  field: string;
  messages: string[];
}

export class ValidationFailedError extends AppError {
  readonly code = 'VALIDATION.FAILED';
  readonly kind = 'validation' as const;
  constructor(
    message: string,
    readonly violations: FieldViolation[] = [],
  ) {
    super(message, violations.length ? { violations } : undefined);
  }
}

export class ConfigError extends AppError {
  readonly code = 'CONFIG.INVALID';
  readonly kind = 'internal' as const;
}

/** Errors raised by the HTTP edge itself rather than by a use case. */
export class RequestError extends AppError {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}
