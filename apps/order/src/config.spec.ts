import { ConfigError } from '@ordermesh/platform';
import { loadOrderConfig } from './config';

const base = { DATABASE_URL: 'postgresql://app:pw@localhost/order' };

describe('order service configuration', () => {
  it('coalesces placements by default, and takes other limits from the environment', () => {
    expect(loadOrderConfig(base).placement).toEqual({ maxBatch: 64, maxInFlight: 2 });
    expect(
      loadOrderConfig({ ...base, PLACEMENT_BATCH_MAX: '1', PLACEMENT_MAX_IN_FLIGHT: '8' }).placement,
    ).toEqual({ maxBatch: 1, maxInFlight: 8 });
  });

  it('refuses placement limits that could never write, naming each variable', () => {
    let error: unknown;
    try {
      loadOrderConfig({ ...base, PLACEMENT_BATCH_MAX: '0', PLACEMENT_MAX_IN_FLIGHT: 'many' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).details).toEqual({
      variables: ['PLACEMENT_BATCH_MAX', 'PLACEMENT_MAX_IN_FLIGHT'],
    });
  });
});

describe('order service consumption', () => {
  it('merges the partitions of a fetch into one run by default', () => {
    expect(loadOrderConfig(base).messaging.consumer).toMatchObject({
      concurrency: 12,
      mergePartitions: true,
    });
  });
});
