import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ConfigError } from '../errors/app-error';

/**
 * Conversions are explicit (EnvInt, EnvBoolean) rather than implicit, so "12abc" is an error, not 12.
 * Builds a validated config object from environment variables, or throws one ConfigError naming every bad
 * variable and what it received. Apps call this once, from their own `config.ts`, at boot.
 */
export function loadEnv<T extends object>(schema: new () => T, env: Record<string, string | undefined>): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const instance = plainToInstance(schema, defined, { exposeDefaultValues: true });
  const errors = validateSync(instance, { skipMissingProperties: false, forbidUnknownValues: true });
  if (errors.length) {
    const lines = errors.map((e) => describe(e, env));
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`, {
      variables: errors.map((e) => e.property),
    });
  }
  return instance;
}

function describe(error: ValidationError, env: Record<string, string | undefined>): string {
  const raw = env[error.property];
  const got =
    raw === undefined || raw === '' ? 'it is not set' : `got ${JSON.stringify(redact(error.property, raw))}`;
  const why = Object.values(error.constraints ?? {}).join('; ');
  return `${error.property}: ${why} (${got})`;
}

function redact(name: string, value: string): string {
  if (/PASSWORD|SECRET|TOKEN/i.test(name)) return '***';
  // Never echo credentials embedded in connection URLs.
  return value.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
