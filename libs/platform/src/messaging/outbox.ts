import { EventEnvelope, EVENTS, EventType } from '@ordermesh/contracts';
import type { ClientBase } from 'pg';

export type Queryable = Pick<ClientBase, 'query'>;

export type OutboxEntry = EventEnvelope & { trace?: { traceparent?: string; tracestate?: string } };

/**
 * Appends events to the outbox inside the caller's transaction, with one statement for any number of events. Units
 * of work publish through their RunOutbox instead; this is for writers outside one (tools, tests).
 * Invariant: call this after the business rows are written/locked in the same transaction, so that for one
 * aggregate outbox ids follow commit order (the relay publishes in id order).
 */
export async function appendToOutbox(
  tx: Queryable,
  aggregateType: string,
  entries: OutboxEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const insert = outboxInsert(aggregateType, entries, 1);
  await tx.query(insert.text, insert.values);
}

/**
 * The outbox INSERT as SQL text and parameters numbered from `firstParam`, for callers that fold it into a larger
 * single statement (a data-modifying CTE) to save round trips on a hot path. The rows travel as eight arrays, so the
 * text is the same for any number of events (one prepared statement per call site).
 */
export function outboxInsert(
  /** One type for all entries, or one per entry. */
  aggregateType: string | readonly string[],
  entries: OutboxEntry[],
  firstParam: number,
  /** SQL condition: insert the rows only if it holds (e.g. `EXISTS (SELECT 1 FROM inserted_order)` in a CTE). */
  onlyIf?: string,
): { text: string; values: unknown[] } {
  const columns = {
    eventIds: [] as string[],
    eventTypes: [] as string[],
    schemaVersions: [] as number[],
    aggregateTypes: [] as string[],
    aggregateIds: [] as string[],
    topics: [] as string[],
    payloads: [] as string[],
    headers: [] as string[],
  };
  for (const [i, e] of entries.entries()) {
    const topic = EVENTS[e.eventType as EventType]?.topic;
    if (!topic) throw new Error(`no contract for ${e.eventType}`);
    const headers = {
      occurredAt: e.occurredAt,
      producer: e.producer,
      correlationId: e.correlationId,
      causationId: e.causationId,
      ...(e.trace?.traceparent ? { traceparent: e.trace.traceparent } : {}),
      ...(e.trace?.tracestate ? { tracestate: e.trace.tracestate } : {}),
    };
    columns.eventIds.push(e.eventId);
    columns.eventTypes.push(e.eventType);
    columns.schemaVersions.push(e.schemaVersion);
    columns.aggregateTypes.push(typeof aggregateType === 'string' ? aggregateType : aggregateType[i]!);
    columns.aggregateIds.push(e.aggregateId);
    columns.topics.push(topic);
    columns.payloads.push(JSON.stringify(e.payload));
    columns.headers.push(JSON.stringify(headers));
  }
  const n = (i: number) => `$${firstParam + i}`;
  // WITH ORDINALITY + ORDER BY: ids (the relay's publish order) follow the order of `entries`. created_at is the
  // time of the insert — the last write of its transaction, a moment before the commit (the event's own time is
  // occurredAt, in the headers): the relay measures commit → publish lag from it, and the publish span starts there.
  const text = `INSERT INTO outbox (event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload, headers, created_at)
    SELECT v.event_id, v.event_type, v.schema_version, v.aggregate_type, v.aggregate_id, v.topic, v.payload, v.headers, clock_timestamp()
      FROM unnest(${n(0)}::uuid[], ${n(1)}::text[], ${n(2)}::int[], ${n(3)}::text[], ${n(4)}::text[], ${n(5)}::text[], ${n(6)}::jsonb[], ${n(7)}::jsonb[])
        WITH ORDINALITY AS v(event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload, headers, ord)
     ${onlyIf ? `WHERE ${onlyIf}` : ''}
     ORDER BY v.ord`;
  return { text, values: Object.values(columns) };
}

export interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  schema_version: number;
  aggregate_id: string;
  topic: string;
  payload: unknown;
  headers: {
    occurredAt: string;
    producer: EventEnvelope['producer'];
    correlationId: string;
    causationId: string | null;
    traceparent?: string;
    tracestate?: string;
  };
  created_at: Date;
}

export function envelopeFromRow(row: OutboxRow): OutboxEntry {
  return {
    eventId: row.event_id,
    eventType: row.event_type,
    schemaVersion: row.schema_version,
    occurredAt: row.headers.occurredAt,
    aggregateId: row.aggregate_id,
    producer: row.headers.producer,
    correlationId: row.headers.correlationId,
    causationId: row.headers.causationId,
    payload: row.payload,
    trace: { traceparent: row.headers.traceparent, tracestate: row.headers.tracestate },
  };
}
