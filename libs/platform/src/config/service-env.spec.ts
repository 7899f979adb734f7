import { ConfigError } from '../errors/app-error';
import { loadEnv } from './load-config';
import { commonServiceConfig, ServiceEnv } from './service-env';

const base = { DATABASE_URL: 'postgresql://app:pw@localhost/order' };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadEnv(ServiceEnv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('ServiceEnv chaos settings', () => {
  it('chaos is off by default and then needs no admin token', () => {
    const config = commonServiceConfig('order', [], loadEnv(ServiceEnv, base));
    expect(config.chaos).toEqual({ enabled: false, adminToken: null, seed: 0 });
  });

  it('CHAOS_ENABLED=true without ADMIN_TOKEN fails at boot naming the variable', () => {
    const err = errorOf({ ...base, CHAOS_ENABLED: 'true' });
    expect(err.details).toEqual({ variables: ['ADMIN_TOKEN'] });
    expect(err.message).toMatch(/ADMIN_TOKEN: .*required when CHAOS_ENABLED=true.*it is not set/);
  });

  it('refuses a short token without echoing it', () => {
    const err = errorOf({ ...base, CHAOS_ENABLED: 'true', ADMIN_TOKEN: 'short-tok' });
    expect(err.message).toMatch(/ADMIN_TOKEN: must be at least 12 characters/);
    expect(err.message).not.toContain('short-tok');
  });

  it('accepts a token of 12+ characters and an optional integer seed', () => {
    const e = loadEnv(ServiceEnv, {
      ...base,
      CHAOS_ENABLED: 'true',
      ADMIN_TOKEN: 'dev-admin-token',
      CHAOS_SEED: '42',
    });
    expect(commonServiceConfig('payment', [], e).chaos).toEqual({
      enabled: true,
      adminToken: 'dev-admin-token',
      seed: 42,
    });
  });

  it.each(['-1', '1.5', 'abc', '4294967296'])('refuses CHAOS_SEED=%s', (seed) => {
    expect(errorOf({ ...base, CHAOS_SEED: seed }).details).toEqual({ variables: ['CHAOS_SEED'] });
  });
});
