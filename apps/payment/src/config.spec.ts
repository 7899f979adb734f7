import { loadPaymentConfig } from './config';

const base = { DATABASE_URL: 'postgresql://app:pw@localhost/payment' };

describe('payment service configuration', () => {
  it('runs its partitions side by side by default (its gateway calls would wait for each other in one run)', () => {
    expect(loadPaymentConfig(base).messaging.consumer.mergePartitions).toBe(false);
    expect(
      loadPaymentConfig({ ...base, CONSUMER_MERGE_PARTITIONS: 'true' }).messaging.consumer.mergePartitions,
    ).toBe(true);
  });
});
