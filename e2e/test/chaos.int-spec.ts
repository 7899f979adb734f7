import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ChaosService, ConfigError, createHttpApp } from '@ordermesh/platform';
import { loadOrderConfig, OrderAppModule } from '@ordermesh/order';
import {
  createTestDatabase,
  eventually,
  request,
  SagaStack,
  ServiceName,
  TestDatabase,
} from '@ordermesh/testing';
import { startStack } from './stack';
import {
  countRows,
  createProduct,
  getOrder,
  newSku,
  orderReaches,
  paymentsOf,
  placeOrder,
  settled,
  stockOf,
} from './saga-helpers';

const TOKEN = 'chaos-e2e-admin-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const SERVICES: ServiceName[] = ['order', 'inventory', 'payment'];
const chaosEnv = { CHAOS_ENABLED: 'true', ADMIN_TOKEN: TOKEN };

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

interface ChaosBody {
  service: string;
  enabled: boolean;
  toggles: Record<string, number | boolean>;
  defaults: Record<string, number | boolean>;
  supported: string[];
}

/** Sum of a metric's samples whose labels include `labels` (0 when absent). */
async function metric(
  stack: SagaStack,
  service: ServiceName,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = (await stack.http<string>(service, 'GET', '/metrics')).body;
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** The chaos toggles, the saga under each fault, and the admin endpoint's contract. */
describe('chaos toggles (end to end)', () => {
  let stack: SagaStack;
  /** Every crash the services would have done (the real action would SIGKILL the test process). */
  const crashes: { service: ServiceName; eventType: string; orderId: string; effectVisible: boolean }[] = [];

  const chaos = <T = ChaosBody>(service: ServiceName, method: 'GET' | 'PUT' | 'DELETE', body?: unknown) =>
    stack.http<T>(service, method, '/admin/chaos', body, AUTH);

  beforeAll(async () => {
    stack = await startStack({
      order: chaosEnv,
      inventory: chaosEnv,
      payment: {
        ...chaosEnv,
        PAYMENT_BREAKER_TIMEOUT_MS: '1000',
        PAYMENT_BREAKER_VOLUME_THRESHOLD: '3',
        PAYMENT_BREAKER_RESET_TIMEOUT_MS: '500',
      },
    });
    for (const service of SERVICES) {
      stack.apps[service]!.get(ChaosService).setCrashAction(async (envelope) => {
        // Visible from another connection = the effect's transaction really committed before the crash point.
        const effectVisible =
          service === 'inventory' && envelope.eventType === 'OrderPlaced'
            ? (await countRows(
                stack.databases.inventory.url,
                'SELECT count(*)::int AS n FROM reservations WHERE order_id = $1',
                [envelope.aggregateId],
              )) === 1
            : false;
        crashes.push({
          service,
          eventType: envelope.eventType,
          orderId: envelope.aggregateId,
          effectVisible,
        });
      });
    }
  });

  afterEach(async () => {
    for (const service of SERVICES) {
      if (stack?.apps[service]) expect((await chaos(service, 'DELETE')).status).toBe(200);
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('admin API', () => {
    it.each(SERVICES)('%s: no or malformed bearer token → 401, wrong token → 403', async (service) => {
      for (const headers of [{}, { authorization: TOKEN }, { authorization: 'Basic abc' }] as Record<
        string,
        string
      >[]) {
        const res = await stack.http<ErrorBody>(service, 'GET', '/admin/chaos', undefined, headers);
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('ADMIN.UNAUTHENTICATED');
      }
      const wrong = await stack.http<ErrorBody>(
        service,
        'PUT',
        '/admin/chaos',
        { handlerFailureRate: 1 },
        {
          authorization: 'Bearer not-the-admin-token',
        },
      );
      expect(wrong.status).toBe(403);
      expect(wrong.body.error.code).toBe('ADMIN.FORBIDDEN');
      expect((await chaos(service, 'GET')).body.toggles.handlerFailureRate).toBe(0);
    });

    it('GET / PUT (merge) / DELETE (reset) round trip', async () => {
      const initial = await chaos('payment', 'GET');
      expect(initial.status).toBe(200);
      expect(initial.body).toEqual({
        service: 'payment',
        enabled: true,
        toggles: initial.body.defaults,
        defaults: {
          seed: 0,
          handlerFailureRate: 0,
          crashAfterCommitRate: 0,
          duplicateDeliveryRate: 0,
          relayPaused: false,
          paymentDeclineRate: 0,
          gatewayLatencyMs: 0,
          gatewayJitterMs: 0,
          gatewayFailureRate: 0,
        },
        supported: Object.keys(initial.body.defaults),
      });

      const first = await chaos('payment', 'PUT', { seed: 7, gatewayLatencyMs: 5 });
      expect(first.status).toBe(200);
      const second = await chaos('payment', 'PUT', { handlerFailureRate: 0.25 });
      expect(second.body.toggles).toEqual({
        ...initial.body.defaults,
        seed: 7,
        gatewayLatencyMs: 5,
        handlerFailureRate: 0.25,
      });
      expect((await chaos('payment', 'GET')).body).toEqual(second.body);

      const reset = await chaos('payment', 'DELETE');
      expect(reset.status).toBe(200);
      expect(reset.body.toggles).toEqual(initial.body.defaults);

      const order = await chaos('order', 'GET');
      expect(order.body.supported).toEqual([
        'seed',
        'handlerFailureRate',
        'crashAfterCommitRate',
        'duplicateDeliveryRate',
        'relayPaused',
      ]);
    });

    it('bad values and unknown properties → 400 VALIDATION.FAILED; gateway toggles outside payment → 400 CHAOS.UNSUPPORTED_TOGGLE', async () => {
      for (const body of [
        { handlerFailureRate: 1.5 },
        { duplicateDeliveryRate: -0.1 },
        { seed: 1.5 },
        { relayPaused: 'yes' },
        { crashAfterCommitRate: null },
        { gatewayLatencyMs: 1_000_000 },
        { nonsense: true },
      ]) {
        const res = await chaos<ErrorBody>('payment', 'PUT', body);
        expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
        expect(res.body.error.code).toBe('VALIDATION.FAILED');
      }
      for (const service of ['order', 'inventory'] as const) {
        const res = await chaos<ErrorBody>(service, 'PUT', {
          handlerFailureRate: 0.5,
          gatewayFailureRate: 1,
        });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'CHAOS.UNSUPPORTED_TOGGLE',
          details: { toggles: ['gatewayFailureRate'] },
        });
        // Nothing of a refused request is applied.
        expect((await chaos(service, 'GET')).body.toggles.handlerFailureRate).toBe(0);
      }
    });

    it('toggles appear in /metrics', async () => {
      await chaos('payment', 'PUT', { gatewayFailureRate: 0.25, relayPaused: true });
      expect(await metric(stack, 'payment', 'ordermesh_chaos_toggle', { toggle: 'gatewayFailureRate' })).toBe(
        0.25,
      );
      expect(await metric(stack, 'payment', 'ordermesh_chaos_toggle', { toggle: 'relayPaused' })).toBe(1);
      expect(await metric(stack, 'payment', 'ordermesh_chaos_toggle', { toggle: 'handlerFailureRate' })).toBe(
        0,
      );
      await chaos('payment', 'DELETE');
      expect(await metric(stack, 'payment', 'ordermesh_chaos_toggle', { toggle: 'relayPaused' })).toBe(0);
      expect(await metric(stack, 'payment', 'ordermesh_payment_gateway_circuit_state')).toBe(0);
    });
  });

  describe('faults', () => {
    it('paymentDeclineRate=1: the order is CANCELLED (PAYMENT_DECLINED) and its stock released', async () => {
      await chaos('payment', 'PUT', { paymentDeclineRate: 1 });
      const sku = newSku();
      await createProduct(stack, sku, 10);
      const id = await placeOrder(stack, [{ sku, quantity: 3 }]);
      const order = await orderReaches(stack, id, 'CANCELLED');
      expect(order.cancellationReason).toBe('PAYMENT_DECLINED');
      await eventually(async () => {
        const stock = await stockOf(stack, sku);
        return stock.reserved === 0 ? stock : undefined;
      });
      expect(await stockOf(stack, sku)).toEqual({ available: 10, reserved: 0, committed: 0 });
      expect(await paymentsOf(stack, id)).toEqual([expect.objectContaining({ status: 'DECLINED' })]);
      expect(
        await metric(stack, 'payment', 'ordermesh_chaos_faults_injected_total', { fault: 'payment_decline' }),
      ).toBeGreaterThanOrEqual(1);
    });

    it('handlerFailureRate=0.5 everywhere: every order still confirms, through retries, nothing dead-lettered', async () => {
      const retriesBefore: Record<string, number> = {};
      for (const s of SERVICES) {
        retriesBefore[s] = await metric(stack, s, 'ordermesh_consumer_retries_total');
        await chaos(s, 'PUT', { handlerFailureRate: 0.5, seed: 11 });
      }
      const sku = newSku();
      await createProduct(stack, sku, 50);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await placeOrder(stack, [{ sku, quantity: 1 }]));
      for (const id of ids) await orderReaches(stack, id, 'CONFIRMED', 40_000);
      expect(await stockOf(stack, sku)).toEqual({ available: 45, reserved: 5, committed: 0 });
      let retries = 0;
      let injected = 0;
      for (const s of SERVICES) {
        retries += (await metric(stack, s, 'ordermesh_consumer_retries_total')) - retriesBefore[s]!;
        injected += await metric(stack, s, 'ordermesh_chaos_faults_injected_total', {
          fault: 'handler_failure',
        });
        expect(await metric(stack, s, 'ordermesh_dlq_messages_total')).toBe(0);
      }
      expect(retries).toBeGreaterThan(0);
      expect(injected).toBeGreaterThan(0);
    });

    it('duplicateDeliveryRate=1 everywhere: each effect happens once, the duplicates are counted', async () => {
      const dupBefore: Record<string, number> = {};
      for (const s of SERVICES) {
        dupBefore[s] = await metric(stack, s, 'ordermesh_consumer_handled_total', { outcome: 'duplicate' });
        await chaos(s, 'PUT', { duplicateDeliveryRate: 1 });
      }
      const sku = newSku();
      await createProduct(stack, sku, 10, 700);
      const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
      await orderReaches(stack, id, 'CONFIRMED');
      expect((await stack.http('order', 'POST', `/orders/${id}/fulfill`)).status).toBe(202);
      await orderReaches(stack, id, 'FULFILLED');
      const final = await settled(async () => ({
        stock: await stockOf(stack, sku),
        payments: await paymentsOf(stack, id),
      }));
      expect(final.stock).toEqual({ available: 8, reserved: 0, committed: 2 });
      expect(final.payments).toEqual([expect.objectContaining({ status: 'CAPTURED', amount: 1400 })]);
      expect(
        await countRows(
          stack.databases.inventory.url,
          'SELECT count(*)::int AS n FROM reservations WHERE order_id = $1',
          [id],
        ),
      ).toBe(1);
      expect(
        await countRows(
          stack.databases.payment.url,
          "SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND event_type = 'PaymentAuthorized'",
          [id],
        ),
      ).toBe(1);
      for (const s of SERVICES) {
        const duplicates =
          (await metric(stack, s, 'ordermesh_consumer_handled_total', { outcome: 'duplicate' })) -
          dupBefore[s]!;
        expect([s, duplicates > 0]).toEqual([s, true]);
      }
    });

    it('relayPaused: the order stays PENDING with OrderPlaced unpublished, and completes after resume', async () => {
      await chaos('order', 'PUT', { relayPaused: true });
      const sku = newSku();
      await createProduct(stack, sku, 5);
      const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
      const unpublished = () =>
        countRows(
          stack.databases.order.url,
          "SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND event_type = 'OrderPlaced' AND published_at IS NULL",
          [id],
        );
      await new Promise((r) => setTimeout(r, 1_500));
      expect((await getOrder(stack, id)).status).toBe('PENDING');
      expect(await unpublished()).toBe(1);
      expect(await stockOf(stack, sku)).toEqual({ available: 5, reserved: 0, committed: 0 });

      expect((await chaos('order', 'PUT', { relayPaused: false })).body.toggles.relayPaused).toBe(false);
      await orderReaches(stack, id, 'CONFIRMED');
      expect(await unpublished()).toBe(0);
    });

    it('gatewayFailureRate=1: the breaker opens, the order waits PENDING (not declined), and confirms once the gateway is back', async () => {
      const deferralsBefore = await metric(stack, 'payment', 'ordermesh_consumer_deferrals_total');
      await chaos('payment', 'PUT', { gatewayFailureRate: 1 });
      const sku = newSku();
      await createProduct(stack, sku, 5, 1000);
      const id = await placeOrder(stack, [{ sku, quantity: 2 }]);
      await eventually(
        async () =>
          (await metric(stack, 'payment', 'ordermesh_payment_gateway_circuit_state')) === 2
            ? true
            : undefined,
        20_000,
        'the gateway circuit to open',
      );
      expect(
        await metric(stack, 'payment', 'ordermesh_payment_gateway_breaker_events_total', { event: 'open' }),
      ).toBeGreaterThanOrEqual(1);
      expect(await metric(stack, 'payment', 'ordermesh_consumer_deferrals_total')).toBeGreaterThan(
        deferralsBefore,
      );
      expect((await getOrder(stack, id)).status).toBe('PENDING');
      expect(await paymentsOf(stack, id)).toEqual([]);
      expect(await stockOf(stack, sku)).toEqual({ available: 3, reserved: 2, committed: 0 });

      await chaos('payment', 'DELETE');
      const order = await orderReaches(stack, id, 'CONFIRMED', 30_000);
      expect(order.total).toEqual({ amount: 2000, currency: 'EUR' });
      expect(await paymentsOf(stack, id)).toEqual([
        expect.objectContaining({ status: 'AUTHORIZED', amount: 2000 }),
      ]);
      expect(await metric(stack, 'payment', 'ordermesh_payment_gateway_circuit_state')).toBe(0);
      expect(await metric(stack, 'payment', 'ordermesh_dlq_messages_total')).toBe(0);
    });

    it('crashAfterCommitRate=1: the crash action runs after the effect committed', async () => {
      crashes.length = 0;
      await chaos('inventory', 'PUT', { crashAfterCommitRate: 1 });
      const sku = newSku();
      await createProduct(stack, sku, 5);
      const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
      const crash = await eventually(
        async () => crashes.find((c) => c.orderId === id && c.eventType === 'OrderPlaced'),
        20_000,
        'the crash action for OrderPlaced',
      );
      expect(crash).toEqual({
        service: 'inventory',
        eventType: 'OrderPlaced',
        orderId: id,
        effectVisible: true,
      });
      expect(crashes.every((c) => c.service === 'inventory')).toBe(true);
      expect(
        await metric(stack, 'inventory', 'ordermesh_chaos_faults_injected_total', {
          fault: 'crash_after_commit',
        }),
      ).toBeGreaterThanOrEqual(1);
    });
  });
});

describe('chaos disabled (the default)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase('order');
    const config = loadOrderConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', MESSAGING_ENABLED: 'false' });
    app = await createHttpApp({ module: OrderAppModule.register(config), title: 't', description: 't' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('the admin routes do not exist, even with the right token', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await request<ErrorBody>(
        app,
        method,
        '/admin/chaos',
        method === 'PUT' ? {} : undefined,
        AUTH,
      );
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('ROUTE.NOT_FOUND');
    }
    const metrics = await request<string>(app, 'GET', '/metrics');
    expect(metrics.body).not.toMatch(/^ordermesh_chaos_toggle\{/m);
  });

  it('enabling chaos without a long enough ADMIN_TOKEN fails at boot', () => {
    const env = { DATABASE_URL: db.url, CHAOS_ENABLED: 'true' };
    expect(() => loadOrderConfig(env)).toThrow(ConfigError);
    expect(() => loadOrderConfig({ ...env, ADMIN_TOKEN: 'too-short' })).toThrow(/ADMIN_TOKEN/);
  });
});
