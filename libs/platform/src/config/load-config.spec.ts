import { IsBoolean, IsString } from 'class-validator';
import { ConfigError } from '../errors/app-error';
import { EnvBoolean, IsLogLevel, IsPort, IsPostgresUrl, LogLevel } from './env-decorators';

import { loadEnv } from './load-config';

class Env {
  @IsPort() HTTP_PORT = 3000;
  @IsPostgresUrl() DATABASE_URL!: string;
  @IsLogLevel() LOG_LEVEL: LogLevel = 'info';
  @EnvBoolean() @IsBoolean() CHAOS_ENABLED = false;
  @IsString() ADMIN_TOKEN = 'dev';
}

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    loadEnv(Env, env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('loadEnv', () => {
  it('applies defaults and converts types', () => {
    const cfg = loadEnv(Env, {
      DATABASE_URL: 'postgresql://u:p@localhost:5432/db',
      HTTP_PORT: '8080',
      CHAOS_ENABLED: 'true',
    });
    expect(cfg).toMatchObject({ HTTP_PORT: 8080, LOG_LEVEL: 'info', CHAOS_ENABLED: true });
  });

  it('treats empty strings as unset', () => {
    expect(loadEnv(Env, { DATABASE_URL: 'postgres://x@h/d', HTTP_PORT: '' }).HTTP_PORT).toBe(3000);
  });

  it('names a missing required variable', () => {
    const err = errorOf({});
    expect(err.code).toBe('CONFIG.INVALID');
    expect(err.message).toContain('DATABASE_URL');
    expect(err.message).toContain('it is not set');
  });

  it('names every bad variable with what it got', () => {
    const err = errorOf({
      DATABASE_URL: 'mysql://x',
      HTTP_PORT: 'abc',
      LOG_LEVEL: 'loud',
      CHAOS_ENABLED: 'maybe',
    });
    for (const name of ['DATABASE_URL', 'HTTP_PORT', 'LOG_LEVEL', 'CHAOS_ENABLED'])
      expect(err.message).toContain(name);
    expect(err.message).toContain('"abc"');
    expect(err.details).toEqual({ variables: expect.arrayContaining(['HTTP_PORT', 'LOG_LEVEL']) });
  });

  it('rejects out-of-range ports', () => {
    expect(errorOf({ DATABASE_URL: 'postgres://x@h/d', HTTP_PORT: '70000' }).message).toContain('HTTP_PORT');
  });

  it('never echoes secrets', () => {
    const err = errorOf({ DATABASE_URL: 'postgresql://app:hunter2@db', HTTP_PORT: '0', ADMIN_TOKEN: '' });
    expect(err.message).not.toContain('hunter2');
  });
});

describe('loadEnv integer parsing', () => {
  it('refuses numbers with trailing garbage instead of truncating them', () => {
    expect(errorOf({ DATABASE_URL: 'postgres://x@h/d', HTTP_PORT: '30abc' }).message).toContain('HTTP_PORT');
  });
});
