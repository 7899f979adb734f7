import { randomUUID } from 'node:crypto';
import { EventEnvelope, fixtureEnvelope, ServiceName } from '@ordermesh/contracts';
import { Logger } from '@nestjs/common';
import type { InboundMessage } from '../messages';
import { EventProcessor } from '../messaging/event-processor';
import { fakeInboxPool, functionReactions } from '../unit-of-work/fake-reactions.test-support';
import type { MessagingRuntime } from '../messaging/messaging.module';
import { Metrics } from '../observability/metrics';
import { UnsupportedToggleError } from './chaos-toggles';
import { ChaosInjectedFailure, ChaosService } from './chaos.service';

beforeAll(() => Logger.overrideLogger(false));

function chaosFor(
  service: ServiceName = 'order',
  opts: { seed?: number; maxAttempts?: number; runtime?: MessagingRuntime | null } = {},
) {
  const metrics = new Metrics(service);
  const chaos = new ChaosService(
    { service, adminToken: 'test-admin-token', seed: opts.seed ?? 1, maxAttempts: opts.maxAttempts ?? 4 },
    metrics,
    opts.runtime ?? null,
  );
  return { chaos, metrics };
}

function envelope(): EventEnvelope {
  return fixtureEnvelope('OrderCancelled', { eventId: randomUUID() });
}

function message(env: EventEnvelope, offset = '1'): InboundMessage {
  return {
    topic: 'order.events',
    partition: 0,
    offset,
    key: env.aggregateId,
    value: Buffer.from(JSON.stringify(env)),
    headers: {},
  };
}

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const entry = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return entry?.value;
}

/** Which of `n` fresh events get an injected handler failure on their first attempt. */
function failurePattern(chaos: ChaosService, n: number): boolean[] {
  return Array.from({ length: n }, () => {
    try {
      chaos.beforeReact(envelope());
      return false;
    } catch (err) {
      expect(err).toBeInstanceOf(ChaosInjectedFailure);
      return true;
    }
  });
}

describe('ChaosService toggles', () => {
  it('starts with every toggle off and the configured seed; shows only what the service supports', () => {
    const { chaos } = chaosFor('order', { seed: 99 });
    const view = chaos.view();
    expect(view).toEqual({
      service: 'order',
      enabled: true,
      toggles: {
        seed: 99,
        handlerFailureRate: 0,
        crashAfterCommitRate: 0,
        duplicateDeliveryRate: 0,
        relayPaused: false,
      },
      defaults: view.toggles,
      supported: [
        'seed',
        'handlerFailureRate',
        'crashAfterCommitRate',
        'duplicateDeliveryRate',
        'relayPaused',
      ],
    });
    expect(chaosFor('payment').chaos.view().supported).toEqual(
      expect.arrayContaining([
        'paymentDeclineRate',
        'gatewayLatencyMs',
        'gatewayJitterMs',
        'gatewayFailureRate',
      ]),
    );
  });

  it('merges a partial update, and reset brings back the defaults', () => {
    const { chaos } = chaosFor('payment');
    chaos.update({ handlerFailureRate: 0.25 });
    const view = chaos.update({ gatewayLatencyMs: 40 });
    expect(view.toggles).toMatchObject({
      handlerFailureRate: 0.25,
      gatewayLatencyMs: 40,
      gatewayFailureRate: 0,
    });
    expect(chaos.reset().toggles).toEqual(view.defaults);
  });

  it.each(['order', 'inventory'] as const)(
    'refuses gateway toggles on %s with CHAOS.UNSUPPORTED_TOGGLE and changes nothing',
    (service) => {
      const { chaos } = chaosFor(service);
      const before = chaos.view();
      let error: unknown;
      try {
        chaos.update({ handlerFailureRate: 0.5, gatewayFailureRate: 1 });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UnsupportedToggleError);
      expect((error as UnsupportedToggleError).code).toBe('CHAOS.UNSUPPORTED_TOGGLE');
      expect((error as UnsupportedToggleError).details).toMatchObject({ toggles: ['gatewayFailureRate'] });
      expect(chaos.view()).toEqual(before);
    },
  );

  it('exports every toggle as a gauge (booleans as 0/1) and counts injected faults', async () => {
    const { chaos, metrics } = chaosFor('order');
    chaos.update({ relayPaused: true, duplicateDeliveryRate: 1 });
    expect(await metricValue(metrics, 'ordermesh_chaos_toggle', { toggle: 'relayPaused' })).toBe(1);
    expect(await metricValue(metrics, 'ordermesh_chaos_toggle', { toggle: 'duplicateDeliveryRate' })).toBe(1);
    expect(await metricValue(metrics, 'ordermesh_chaos_toggle', { toggle: 'handlerFailureRate' })).toBe(0);
    chaos.deliveries([message(envelope()), message(envelope())]);
    expect(
      await metricValue(metrics, 'ordermesh_chaos_faults_injected_total', { fault: 'duplicate_delivery' }),
    ).toBe(2);
    chaos.reset();
    expect(await metricValue(metrics, 'ordermesh_chaos_toggle', { toggle: 'relayPaused' })).toBe(0);
  });

  it('pauses and resumes the outbox relay', () => {
    const calls: string[] = [];
    const runtime = {
      relay: { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
    } as unknown as MessagingRuntime;
    const { chaos } = chaosFor('inventory', { runtime });
    chaos.update({ relayPaused: true });
    chaos.update({ relayPaused: true, handlerFailureRate: 0.1 });
    chaos.reset();
    expect(calls).toEqual(['pause', 'resume']);
  });
});

describe('ChaosService determinism', () => {
  it('fires the same faults for the same seed and message order', () => {
    const a = chaosFor('order', { seed: 1234, maxAttempts: 8 }).chaos;
    const b = chaosFor('order', { seed: 1234, maxAttempts: 8 }).chaos;
    const c = chaosFor('order', { seed: 4321, maxAttempts: 8 }).chaos;
    for (const s of [a, b, c]) s.update({ handlerFailureRate: 0.5 });
    const pa = failurePattern(a, 200);
    expect(failurePattern(b, 200)).toEqual(pa);
    expect(failurePattern(c, 200)).not.toEqual(pa);
    // Roughly half fire at rate 0.5.
    expect(pa.filter(Boolean).length).toBeGreaterThan(70);
    expect(pa.filter(Boolean).length).toBeLessThan(130);
  });

  it('setting the seed restarts the sequence', () => {
    const { chaos } = chaosFor('order', { seed: 5, maxAttempts: 8 });
    chaos.update({ handlerFailureRate: 0.5, seed: 77 });
    const first = failurePattern(chaos, 50);
    chaos.update({ seed: 77 });
    expect(failurePattern(chaos, 50)).toEqual(first);
  });
});

describe('ChaosService handler failures', () => {
  it.each([1, 0.5])('at rate %p never fails an event on its last allowed attempt', (rate) => {
    const maxAttempts = 4;
    const { chaos } = chaosFor('order', { maxAttempts });
    chaos.update({ handlerFailureRate: rate });
    for (let i = 0; i < 300; i++) {
      const env = envelope();
      let succeededAt = 0;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        try {
          chaos.beforeReact(env);
          succeededAt = attempt;
          break;
        } catch {
          // an injected failure: the processor would retry
        }
      }
      expect(succeededAt).toBeGreaterThan(0);
      if (rate === 1) expect(succeededAt).toBe(maxAttempts);
    }
  });

  it('never injects when the processor allows a single attempt', () => {
    const { chaos } = chaosFor('order', { maxAttempts: 1 });
    chaos.update({ handlerFailureRate: 1 });
    expect(failurePattern(chaos, 20).some(Boolean)).toBe(false);
  });

  it('through the real EventProcessor at rate 1: retried, handled, never dead-lettered', async () => {
    const maxAttempts = 3;
    const { chaos } = chaosFor('order', { maxAttempts });
    chaos.update({ handlerFailureRate: 1 });
    const pool = fakeInboxPool();
    let effects = 0;
    const retries: number[] = [];
    const deadLettered: string[] = [];
    const processor = new EventProcessor({
      pool,
      consumer: 'order-service',
      service: functionReactions({ OrderCancelled: () => void effects++ }),
      dlq: { publish: async () => undefined },
      retry: { maxAttempts, baseDelayMs: 1, maxDelayMs: 1 },
      observer: {
        retry: (_t, attempt) => retries.push(attempt),
        deadLettered: (topic) => deadLettered.push(topic),
      },
      faults: chaos,
      sleep: async () => undefined,
    });
    expect(await processor.process(message(envelope()))).toBe('handled');
    expect(effects).toBe(1);
    expect(retries).toEqual([1, 2]);
    expect(deadLettered).toEqual([]);
  });
});

describe('ChaosService duplicate delivery and crash after commit', () => {
  it('hands every message twice, right behind itself, at rate 1; untouched at rate 0', () => {
    const { chaos } = chaosFor('order');
    const batch = [message(envelope(), '1'), message(envelope(), '2')];
    expect(chaos.deliveries(batch)).toBe(batch);
    chaos.update({ duplicateDeliveryRate: 1 });
    expect(chaos.deliveries(batch)).toEqual([batch[0], batch[0], batch[1], batch[1]]);
  });

  it('runs the crash action after a commit when the fault fires', async () => {
    const { chaos, metrics } = chaosFor('order');
    const crashed: string[] = [];
    chaos.setCrashAction((env) => void crashed.push(env.eventId));
    const env = envelope();
    await chaos.afterCommit(env);
    expect(crashed).toEqual([]);
    chaos.update({ crashAfterCommitRate: 1 });
    await chaos.afterCommit(env);
    expect(crashed).toEqual([env.eventId]);
    expect(
      await metricValue(metrics, 'ordermesh_chaos_faults_injected_total', { fault: 'crash_after_commit' }),
    ).toBe(1);
  });
});

describe('ChaosService gateway faults', () => {
  it('adds latency plus jitter below the jitter bound', () => {
    const { chaos } = chaosFor('payment');
    expect(chaos.gatewayDelayMs()).toBe(0);
    chaos.update({ gatewayLatencyMs: 100, gatewayJitterMs: 50 });
    for (let i = 0; i < 100; i++) {
      const d = chaos.gatewayDelayMs();
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThan(150);
    }
  });

  it('declines with one of the given reasons at rate 1, never at rate 0', () => {
    const { chaos } = chaosFor('payment');
    const reasons = ['A', 'B', 'C'] as const;
    expect(chaos.gatewayDecline(reasons)).toBeNull();
    chaos.update({ paymentDeclineRate: 1 });
    const seen = new Set(Array.from({ length: 60 }, () => chaos.gatewayDecline(reasons)));
    expect([...seen].sort()).toEqual(['A', 'B', 'C']);
    expect(chaos.gatewayFails()).toBe(false);
    chaos.update({ gatewayFailureRate: 1 });
    expect(chaos.gatewayFails()).toBe(true);
  });
});
