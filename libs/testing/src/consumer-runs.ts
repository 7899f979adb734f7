import type { EventEnvelope } from '@ordermesh/contracts';
import { HEADERS } from '@ordermesh/contracts';
import {
  BatchScope,
  EventHandler,
  EventProcessor,
  InboundMessage,
  OutboundMessage,
} from '@ordermesh/platform';
import type { Pool } from 'pg';

/** A reaction as the apps write them: an event and the inbox transaction in, an outcome out. */
export interface Reaction {
  execute(event: never, tx: never): Promise<unknown>;
}

/**
 * An event processor over real reactions, as a service wires them minus Kafka: with `scope`, runs go through the
 * service's batch scope (set-based); without, each event is its own transaction. One attempt, no waiting: a failure
 * is dead-lettered at once (into `deadLettered`).
 */
export function reactionProcessor(
  pool: Pool,
  consumer: string,
  reactions: [string, Reaction][],
  scope: BatchScope | null,
): { processor: EventProcessor; deadLettered: OutboundMessage[] } {
  const handlers = new Map<string, EventHandler>(
    reactions.map(([type, r]) => [
      type,
      async ({ envelope, tx }) => void (await r.execute(envelope as never, tx as never)),
    ]),
  );
  const deadLettered: OutboundMessage[] = [];
  const processor = new EventProcessor(
    pool,
    consumer,
    handlers,
    { publish: async (m) => void deadLettered.push(...m) },
    { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  );
  processor.aroundBatch = scope;
  return { processor, deadLettered };
}

/** The envelopes as consecutive messages of one partition, with the event-type header the relay sets. */
export function partitionRun(
  envelopes: EventEnvelope[],
  topicOf: (e: EventEnvelope) => string,
): InboundMessage[] {
  return envelopes.map((e, i) => ({
    topic: topicOf(e),
    partition: 0,
    offset: String(i),
    key: e.aggregateId,
    value: Buffer.from(JSON.stringify(e)),
    headers: { [HEADERS.eventType]: e.eventType },
  }));
}
