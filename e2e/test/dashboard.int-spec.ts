import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SagaStack, workspaceRoot } from '@ordermesh/testing';
import { createProduct, newSku, orderReaches, placeOrder } from './saga-helpers';
import { startStack } from './stack';

const CHAOS = { CHAOS_ENABLED: 'true', ADMIN_TOKEN: 'dashboard-test-token' };

/**
 * The provisioned Grafana dashboard only shows what the services export: every metric its queries name must be a
 * metric family some service serves on /metrics (after a saga ran, with chaos on so its metrics exist).
 */
describe('Grafana dashboard queries match the exported metrics', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    stack = await startStack({ order: CHAOS, inventory: CHAOS, payment: CHAOS });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('every metric the dashboard queries is exported by a service', async () => {
    const sku = newSku('DASH');
    await createProduct(stack, sku, 3);
    await orderReaches(stack, await placeOrder(stack, [{ sku, quantity: 1 }]), 'CONFIRMED');

    const exported = new Set<string>();
    for (const service of ['order', 'inventory', 'payment'] as const) {
      const text = (await stack.http<string>(service, 'GET', '/metrics')).body as unknown as string;
      for (const line of String(text).split('\n')) {
        const m = /^# TYPE (\S+) (\w+)/.exec(line);
        if (m) exported.add(m[1]!);
      }
    }
    const dashboard = readFileSync(
      path.join(workspaceRoot(), 'infra/grafana/dashboards/ordermesh-saga.json'),
      'utf8',
    );
    const queried = new Set(
      [...dashboard.matchAll(/\b((?:ordermesh|http_request)_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map(
        (m) => m[1]!,
      ),
    );
    expect(queried.size).toBeGreaterThan(10);
    const missing = [...queried].filter((name) => !exported.has(name));
    expect(missing).toEqual([]);
  });
});
