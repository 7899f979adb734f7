import { randomUUID } from 'node:crypto';
import { fixtureEnvelope } from '@ordermesh/contracts';
import type { Pool } from 'pg';
import {
  backoff,
  deferral,
  DeliveryInterruptedError,
  EventHandler,
  EventProcessor,
  InboundMessage,
  RetryLaterError,
} from './event-processor';
import type { OutboundMessage } from './envelope-factory';

/** A pool whose transactions record statements; inbox INSERTs report every row as new. */
function fakePool() {
  const statements: string[] = [];
  const client = {
    query: async (text: string, values?: unknown[]) => {
      statements.push(text.trim().split(/\s+/)[0]!);
      // The run's inbox insert returns the event ids it inserted (its second parameter).
      const ids = Array.isArray(values?.[1]) ? (values[1] as string[]) : [];
      return { rowCount: 1, rows: ids.map((event_id) => ({ event_id })) };
    },
    release: () => undefined,
  };
  return { pool: { connect: async () => client } as unknown as Pool, statements };
}

function messageFor(eventType: 'OrderCancelled') {
  const orderId = randomUUID();
  const envelope = fixtureEnvelope(eventType, { eventId: randomUUID(), aggregateId: orderId });
  const message: InboundMessage = {
    topic: 'order.events',
    partition: 0,
    offset: '7',
    key: orderId,
    value: Buffer.from(JSON.stringify(envelope)),
    headers: {},
  };
  return { envelope, message };
}

const policy = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 80 };

describe('EventProcessor: RetryLaterError', () => {
  it('waits as long as the dependency is down, outside the retry budget, heartbeating, and never dead-letters', async () => {
    const { pool, statements } = fakePool();
    let calls = 0;
    const handler: EventHandler = async () => {
      calls++;
      if (calls <= 5) throw new RetryLaterError('gateway circuit open', 'PAYMENT.GATEWAY_UNAVAILABLE');
    };
    const dlq: OutboundMessage[] = [];
    const sleeps: number[] = [];
    const deferred: number[] = [];
    let heartbeats = 0;
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map([['OrderCancelled', handler]]),
      { publish: async (m) => void dlq.push(...m) },
      policy,
      { deferred: (_type, _reason, waits) => deferred.push(waits) },
      async (ms) => void sleeps.push(ms),
    );
    const { message } = messageFor('OrderCancelled');

    const outcome = await processor.process(message, {
      heartbeat: async () => void heartbeats++,
      isRunning: () => true,
    });

    // Five waits although maxAttempts is 2: deferrals do not use the retry budget.
    expect(outcome).toBe('handled');
    expect(calls).toBe(6);
    expect(deferred).toEqual([1, 2, 3, 4, 5]);
    expect(heartbeats).toBe(5);
    expect(dlq).toHaveLength(0);
    // Capped exponential waits that never drop to zero.
    for (const [i, ms] of sleeps.entries()) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** i);
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    }
    expect(statements.filter((s) => s === 'COMMIT')).toHaveLength(1);
  });

  it('gives the message back (no outcome, offset not committed) when the consumer stops while it waits', async () => {
    const { pool } = fakePool();
    const handler: EventHandler = async () => {
      throw new RetryLaterError('gateway circuit open', 'PAYMENT.GATEWAY_UNAVAILABLE');
    };
    let running = true;
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map([['OrderCancelled', handler]]),
      { publish: async () => undefined },
      policy,
      {},
      async () => {
        running = false;
      },
    );
    const { message } = messageFor('OrderCancelled');
    await expect(
      processor.process(message, { heartbeat: async () => undefined, isRunning: () => running }),
    ).rejects.toBeInstanceOf(DeliveryInterruptedError);
  });

  it('other errors still use the retry budget and then go to the DLQ', async () => {
    const { pool } = fakePool();
    const handler: EventHandler = async () => {
      throw new Error('boom');
    };
    const dlq: OutboundMessage[] = [];
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map([['OrderCancelled', handler]]),
      { publish: async (m) => void dlq.push(...m) },
      policy,
      {},
      async () => undefined,
    );
    const { message } = messageFor('OrderCancelled');
    expect(await processor.process(message)).toBe('dead-lettered');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers['dlq-reason']).toBe('HANDLER.FAILED');
    expect(dlq[0]!.headers['dlq-attempts']).toBe('2');
  });
});

describe('retry delays', () => {
  it('backoff has full jitter under an exponential ceiling; deferral never goes below half of it', () => {
    expect(backoff(policy, 1, () => 0)).toBe(0);
    expect(backoff(policy, 3, () => 1)).toBe(40);
    expect(backoff(policy, 10, () => 1)).toBe(80);
    expect(deferral(policy, 1, () => 0)).toBe(5);
    expect(deferral(policy, 4, () => 0)).toBe(40);
    expect(deferral(policy, 50, () => 1)).toBe(80);
  });
});

describe('EventProcessor: batches with events of other consumers', () => {
  function batchMessage(eventType: 'OrderCancelled' | 'OrderPlaced', offset: number, withHeader: boolean) {
    const { envelope, message } = messageFor('OrderCancelled');
    const e =
      eventType === 'OrderCancelled' ? envelope : fixtureEnvelope('OrderPlaced', { eventId: randomUUID() });
    return {
      envelope: e,
      message: {
        ...message,
        offset: String(offset),
        value: Buffer.from(JSON.stringify(e)),
        headers: (withHeader ? { 'event-type': eventType } : {}) as Record<string, string>,
      },
    };
  }

  it('handles its own types in one transaction and skips the others (by header, or by envelope without one)', async () => {
    const { pool, statements } = fakePool();
    const handled: string[] = [];
    const reported: string[] = [];
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map<string, EventHandler>([
        ['OrderCancelled', async ({ envelope }) => void handled.push(envelope.eventId)],
      ]),
      { publish: async () => undefined },
      policy,
      { processed: (type, outcome) => void reported.push(`${type}:${outcome}`) },
    );
    const run = [
      batchMessage('OrderPlaced', 1, true),
      batchMessage('OrderCancelled', 2, true),
      batchMessage('OrderPlaced', 3, false),
      batchMessage('OrderCancelled', 4, false),
    ];
    // A value that is not even JSON but whose header says it is for another consumer is not this consumer's concern.
    run[0]!.message.value = Buffer.from('not json');

    const outcomes = await processor.processBatch(run.map((r) => r.message));

    expect(outcomes).toEqual(['ignored', 'handled', 'ignored', 'handled']);
    // Each message reported once, under its type (from the header, or the envelope when there is none).
    expect(reported.sort()).toEqual([
      'OrderCancelled:handled',
      'OrderCancelled:handled',
      'OrderPlaced:ignored',
      'OrderPlaced:ignored',
    ]);
    expect(handled).toEqual([run[1]!.envelope.eventId, run[3]!.envelope.eventId]);
    // One transaction for the run: BEGIN, the inbox rows (one statement), COMMIT (the handlers write nothing here).
    expect(statements).toEqual(['BEGIN', 'INSERT', 'COMMIT']);
  });

  it('opens no transaction for a run with nothing to handle', async () => {
    const { pool, statements } = fakePool();
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map<string, EventHandler>([['OrderCancelled', async () => undefined]]),
      { publish: async () => undefined },
      policy,
    );
    const outcomes = await processor.processBatch([
      batchMessage('OrderPlaced', 1, true).message,
      batchMessage('OrderPlaced', 2, false).message,
    ]);
    expect(outcomes).toEqual(['ignored', 'ignored']);
    expect(statements).toEqual([]);
  });
});

describe('EventProcessor: batch scope and duplicates within a run', () => {
  it('runs the handlers inside the scope, with the run envelopes, and handles an event twice in one run once', async () => {
    const { pool, statements } = fakePool();
    const handled: string[] = [];
    const processor = new EventProcessor(
      pool,
      'order-service',
      new Map<string, EventHandler>([
        [
          'OrderCancelled',
          async ({ envelope }) => {
            statements.push('HANDLER');
            handled.push(envelope.eventId);
          },
        ],
      ]),
      { publish: async () => undefined },
      policy,
    );
    const seen: string[][] = [];
    processor.aroundBatch = async (_tx, envelopes, run) => {
      seen.push(envelopes.map((e) => e.eventId));
      statements.push('SCOPE-START');
      const result = await run();
      statements.push('SCOPE-END');
      return result;
    };
    const a = messageFor('OrderCancelled');
    const b = messageFor('OrderCancelled');
    const again = { ...a.message, offset: '9' };

    const outcomes = await processor.processBatch([a.message, b.message, again]);

    expect(outcomes).toEqual(['handled', 'handled', 'duplicate']);
    expect(handled).toEqual([a.envelope.eventId, b.envelope.eventId]);
    expect(seen).toEqual([[a.envelope.eventId, b.envelope.eventId, a.envelope.eventId]]);
    expect(statements).toEqual([
      'BEGIN',
      'INSERT',
      'SCOPE-START',
      'HANDLER',
      'HANDLER',
      'SCOPE-END',
      'COMMIT',
    ]);
  });
});

describe('EventProcessor: a failed run is replayed in halves', () => {
  it('isolates a poison message of a long run with a few transactions, keeping every outcome and the order', async () => {
    const { pool, statements } = fakePool();
    const messages = Array.from({ length: 20 }, (_, i) => {
      const { message } = messageFor('OrderCancelled');
      return { ...message, offset: String(i) };
    });
    const poisonId = (JSON.parse(messages[12]!.value!.toString()) as { eventId: string }).eventId;
    const handled: string[] = [];
    const dlq: OutboundMessage[] = [];
    const processor = new EventProcessor(
      pool,
      'payment-service',
      new Map<string, EventHandler>([
        [
          'OrderCancelled',
          async ({ envelope }) => {
            if (envelope.eventId === poisonId) throw new Error('always fails');
            handled.push(envelope.eventId);
          },
        ],
      ]),
      { publish: async (m) => void dlq.push(...m) },
      policy,
    );

    const outcomes = await processor.processBatch(messages);

    expect(outcomes).toEqual(messages.map((_, i) => (i === 12 ? 'dead-lettered' : 'handled')));
    expect(dlq).toHaveLength(1);
    // Committed in message order: every handler call of a rolled-back attempt is repeated later, never reordered.
    const committedOrder = messages
      .map((m) => (JSON.parse(m.value!.toString()) as { eventId: string }).eventId)
      .filter((id) => id !== poisonId);
    expect([...new Set(handled)]).toEqual(committedOrder);
    // 20 → [0..10) one run, [10..20) fails → [10..15) fails → 5 one by one, [15..20) one run; not 20 single ones.
    const begins = statements.filter((s) => s === 'BEGIN').length;
    expect(begins).toBeLessThan(15);
    // Two runs and the four good messages of [10..15) commit; the poison message's attempts all roll back.
    expect(statements.filter((s) => s === 'COMMIT').length).toBe(2 + 4);
  });
});
