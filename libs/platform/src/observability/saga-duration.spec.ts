import { Metrics } from './metrics';

const PLACED = '2030-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(PLACED) + ms);

/** The histogram's exported samples for one outcome: count and sum. */
async function observed(metrics: Metrics, outcome: string): Promise<{ count: number; sum: number }> {
  const { values } = await metrics.sagaDuration.get();
  const pick = (name: string) =>
    values.find((v) => v.metricName === name && v.labels['outcome'] === outcome)?.value ?? 0;
  return {
    count: pick('ordermesh_saga_duration_seconds_count'),
    sum: pick('ordermesh_saga_duration_seconds_sum'),
  };
}

describe('saga duration histogram', () => {
  it('observes each published saga outcome once, from placedAt to the event’s commit time', async () => {
    const metrics = new Metrics('order');
    metrics.recordPublished([
      { eventType: 'OrderPlaced', createdAt: at(0), payload: { orderId: 'o' } },
      { eventType: 'OrderConfirmed', createdAt: at(250), payload: { placedAt: PLACED } },
      { eventType: 'OrderCancelled', createdAt: at(4_000), payload: { reason: 'EXPIRED', placedAt: PLACED } },
      { eventType: 'OrderFulfilled', createdAt: at(90_000), payload: { placedAt: PLACED } },
      { eventType: 'StockReserved', createdAt: at(10), payload: { placedAt: PLACED } },
    ]);
    expect(await observed(metrics, 'confirmed')).toEqual({ count: 1, sum: 0.25 });
    expect(await observed(metrics, 'cancelled')).toEqual({ count: 1, sum: 4 });
    expect(await observed(metrics, 'fulfilled')).toEqual({ count: 1, sum: 90 });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'ordermesh_saga_duration_seconds_bucket{le="60",service="order",outcome="fulfilled"} 0',
    );
    expect(text).toContain(
      'ordermesh_saga_duration_seconds_bucket{le="300",service="order",outcome="fulfilled"} 1',
    );
    // StockReserved and OrderPlaced end no saga stage: no other outcome appears.
    const outcomes = new Set(
      [...text.matchAll(/^ordermesh_saga_duration_seconds_count\{.*outcome="(\w+)"/gm)].map((m) => m[1]),
    );
    expect([...outcomes].sort()).toEqual(['cancelled', 'confirmed', 'fulfilled']);
  });

  it('skips events published before placedAt existed, or with a malformed one', async () => {
    const metrics = new Metrics('order');
    metrics.recordPublished([
      { eventType: 'OrderConfirmed', createdAt: at(5), payload: { orderId: 'o' } },
      { eventType: 'OrderCancelled', createdAt: at(5), payload: { placedAt: 'soon' } },
    ]);
    expect(await observed(metrics, 'confirmed')).toEqual({ count: 0, sum: 0 });
    expect(await observed(metrics, 'cancelled')).toEqual({ count: 0, sum: 0 });
    // The counters still count them: only the duration is unknown.
    expect((await metrics.ordersConfirmed.get()).values[0]?.value).toBe(1);
  });
});
