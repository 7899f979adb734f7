import type { EventEnvelope } from '@ordermesh/contracts';
import { HEADERS } from '@ordermesh/contracts';
import {
  EventProcessor,
  InboundMessage,
  OutboundMessage,
  Producer,
  Reaction,
  ServiceReactions,
  UnitOfWorkStore,
  UnitsOfWork,
} from '@ordermesh/platform';
import type { Pool } from 'pg';

/** A service's consuming side as its module wires it, from reaction instances (tests build them with fakes or real stores). */
export function serviceReactions<W, C>(
  producer: Producer,
  store: UnitOfWorkStore<W, C>,
  reactions: [string, Reaction<W, C, never>][],
): ServiceReactions {
  return {
    producer,
    store,
    reactions: new Map(reactions as [string, Reaction<W, C>][]),
  } as ServiceReactions;
}

/**
 * An event processor over a service's real reactions and unit of work, as the service wires them minus Kafka. One
 * attempt, no waiting: a failure is dead-lettered at once (into `deadLettered`).
 */
export function reactionProcessor(
  pool: Pool,
  consumer: string,
  service: ServiceReactions,
): { processor: EventProcessor; deadLettered: OutboundMessage[] } {
  const deadLettered: OutboundMessage[] = [];
  const processor = new EventProcessor({
    pool,
    consumer,
    service,
    dlq: { publish: async (m) => void deadLettered.push(...m) },
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
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

/** One reaction to one event as a unit of work of its own (what a run of one does, minus the inbox row). */
export function reactAlone<W, C, E>(
  units: UnitsOfWork<W, C>,
  reaction: { claims(event: E): C; react(event: E, work: W): Promise<unknown> },
  event: E,
): Promise<unknown> {
  return units.run([reaction.claims(event)], (work) => reaction.react(event, work));
}
