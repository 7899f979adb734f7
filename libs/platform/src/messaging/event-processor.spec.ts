import { randomUUID } from 'node:crypto';
import { EventEnvelope, fixtureEnvelope } from '@ordermesh/contracts';
import type { Pool } from 'pg';
import type { InboundMessage, OutboundMessage } from '../messages';
import { functionReactions } from '../unit-of-work/fake-reactions.test-support';
import type { ServiceReactions } from '../unit-of-work/reactions';
import type { EventPublisher, OutboxRows } from '../unit-of-work/unit-of-work';
import {
  backoff,
  deferral,
  DeliveryInterruptedError,
  EventProcessor,
  EventProcessorOptions,
  RetryLaterError,
} from './event-processor';

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

type Handler = (envelope: EventEnvelope) => Promise<void> | void;

function processorFor(
  pool: Pool,
  handlers: Record<string, Handler> | ServiceReactions,
  opts: Partial<EventProcessorOptions> = {},
): EventProcessor {
  return new EventProcessor({
    pool,
    consumer: 'payment-service',
    service:
      'reactions' in handlers
        ? (handlers as ServiceReactions)
        : functionReactions(handlers as Record<string, Handler>),
    dlq: { publish: async () => undefined },
    retry: policy,
    ...opts,
  });
}

describe('EventProcessor: RetryLaterError', () => {
  it('waits as long as the dependency is down, outside the retry budget, heartbeating, and never dead-letters', async () => {
    const { pool, statements } = fakePool();
    let calls = 0;
    const handler: Handler = async () => {
      calls++;
      if (calls <= 5) throw new RetryLaterError('gateway circuit open', 'PAYMENT.GATEWAY_UNAVAILABLE');
    };
    const dlq: OutboundMessage[] = [];
    const sleeps: number[] = [];
    const deferred: number[] = [];
    let heartbeats = 0;
    const processor = processorFor(
      pool,
      { OrderCancelled: handler },
      {
        dlq: { publish: async (m) => void dlq.push(...m) },
        observer: { deferred: (_type, _reason, waits) => deferred.push(waits) },
        sleep: async (ms) => void sleeps.push(ms),
      },
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
    const handler: Handler = async () => {
      throw new RetryLaterError('gateway circuit open', 'PAYMENT.GATEWAY_UNAVAILABLE');
    };
    let running = true;
    const processor = processorFor(
      pool,
      { OrderCancelled: handler },
      {
        sleep: async () => {
          running = false;
        },
      },
    );
    const { message } = messageFor('OrderCancelled');
    await expect(
      processor.process(message, { heartbeat: async () => undefined, isRunning: () => running }),
    ).rejects.toBeInstanceOf(DeliveryInterruptedError);
  });

  it('other errors still use the retry budget and then go to the DLQ', async () => {
    const { pool } = fakePool();
    const handler: Handler = async () => {
      throw new Error('boom');
    };
    const dlq: OutboundMessage[] = [];
    const processor = processorFor(
      pool,
      { OrderCancelled: handler },
      { dlq: { publish: async (m) => void dlq.push(...m) }, sleep: async () => undefined },
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
    const processor = processorFor(
      pool,
      { OrderCancelled: (envelope) => void handled.push(envelope.eventId) },
      { observer: { processed: (type, outcome) => void reported.push(`${type}:${outcome}`) } },
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
    const processor = processorFor(pool, { OrderCancelled: () => undefined });
    const outcomes = await processor.processBatch([
      batchMessage('OrderPlaced', 1, true).message,
      batchMessage('OrderPlaced', 2, false).message,
    ]);
    expect(outcomes).toEqual(['ignored', 'ignored']);
    expect(statements).toEqual([]);
  });
});

describe('EventProcessor: one unit of work per run', () => {
  /** A store that records what it was asked to lock and what the reactions did, and publishes one event per reaction. */
  function recordingService(statements: string[]) {
    const opened: string[][] = [];
    const flushed: string[][] = [];
    const service: ServiceReactions<{ touched: string[]; events: EventPublisher }, string> = {
      producer: { service: 'payment', aggregateType: 'payment' },
      store: {
        open: async (_tx, claims, events) => {
          statements.push('OPEN');
          opened.push([...claims]);
          return { touched: [], events };
        },
        flush: async (_tx, work, _outbox: OutboxRows) => {
          statements.push('FLUSH');
          flushed.push(work.touched);
        },
      },
      reactions: new Map([
        [
          'OrderCancelled',
          {
            claims: (e: EventEnvelope) => e.aggregateId,
            react: async (e: EventEnvelope, work: { touched: string[]; events: EventPublisher }) => {
              statements.push('REACT');
              work.touched.push(e.eventId);
              work.events.publish(e, [
                {
                  type: 'PaymentVoided',
                  aggregateId: e.aggregateId,
                  payload: {
                    orderId: e.aggregateId,
                    paymentId: randomUUID(),
                    amount: { amount: 100, currency: 'EUR' },
                  },
                },
              ]);
            },
          },
        ],
      ]) as unknown as ServiceReactions<{ touched: string[]; events: EventPublisher }, string>['reactions'],
    };
    return { service: service as unknown as ServiceReactions, opened, flushed };
  }

  it('opens with the claims of the fresh events, reacts in order, flushes, writes the outbox once; a duplicate in the run is skipped', async () => {
    const { pool, statements } = fakePool();
    const { service, opened, flushed } = recordingService(statements);
    const processor = processorFor(pool, service);
    const a = messageFor('OrderCancelled');
    const b = messageFor('OrderCancelled');
    const again = { ...a.message, offset: '9' };

    const outcomes = await processor.processBatch([a.message, b.message, again]);

    expect(outcomes).toEqual(['handled', 'handled', 'duplicate']);
    expect(opened).toEqual([[a.envelope.aggregateId, b.envelope.aggregateId]]);
    expect(flushed).toEqual([[a.envelope.eventId, b.envelope.eventId]]);
    // BEGIN, inbox, the unit of work, one outbox INSERT for both events, COMMIT.
    expect(statements).toEqual(['BEGIN', 'INSERT', 'OPEN', 'REACT', 'REACT', 'FLUSH', 'INSERT', 'COMMIT']);
  });

  it('runs one message through the same unit of work (a run of one)', async () => {
    const { pool, statements } = fakePool();
    const { service, opened } = recordingService(statements);
    const a = messageFor('OrderCancelled');

    expect(await processorFor(pool, service).process(a.message)).toBe('handled');

    expect(opened).toEqual([[a.envelope.aggregateId]]);
    expect(statements).toEqual(['BEGIN', 'INSERT', 'OPEN', 'REACT', 'FLUSH', 'INSERT', 'COMMIT']);
  });

  it('does not open the unit of work when every event of the run is a redelivery', async () => {
    const seen = new Set<string>();
    const statements: string[] = [];
    const client = {
      query: async (text: string, values?: unknown[]) => {
        statements.push(text.trim().split(/\s+/)[0]!);
        const ids = Array.isArray(values?.[1]) ? (values[1] as string[]) : [];
        const fresh = ids.filter((id) => !seen.has(id));
        fresh.forEach((id) => seen.add(id));
        return { rowCount: fresh.length, rows: fresh.map((event_id) => ({ event_id })) };
      },
      release: () => undefined,
    };
    const pool = { connect: async () => client } as unknown as Pool;
    const { service, opened } = recordingService(statements);
    const processor = processorFor(pool, service);
    const a = messageFor('OrderCancelled');
    const b = messageFor('OrderCancelled');
    await processor.processBatch([a.message, b.message]);
    statements.length = 0;

    expect(await processor.processBatch([a.message, b.message])).toEqual(['duplicate', 'duplicate']);

    expect(opened).toHaveLength(1);
    expect(statements).toEqual(['BEGIN', 'INSERT', 'COMMIT']);
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
    const processor = processorFor(
      pool,
      {
        OrderCancelled: (envelope) => {
          if (envelope.eventId === poisonId) throw new Error('always fails');
          handled.push(envelope.eventId);
        },
      },
      { dlq: { publish: async (m) => void dlq.push(...m) } },
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
