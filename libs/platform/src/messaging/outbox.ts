import { EventEnvelope, EVENTS, EventType } from '@ordermesh/contracts';
import type { ClientBase } from 'pg';

export type Queryable = Pick<ClientBase, 'query'>;

export type OutboxEntry = EventEnvelope & { trace?: { traceparent?: string; tracestate?: string } };

/**
 * Appends events to the outbox inside the caller's transaction (one statement for any number of events).
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
 * single statement (a data-modifying CTE) to save round trips on a hot path.
 */
export function outboxInsert(
  aggregateType: string,
  entries: OutboxEntry[],
  firstParam: number,
  /** SQL condition: insert the rows only if it holds (e.g. `EXISTS (SELECT 1 FROM inserted_order)` in a CTE). */
  onlyIf?: string,
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows = entries.map((e, i) => {
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
    values.push(
      e.eventId,
      e.eventType,
      e.schemaVersion,
      aggregateType,
      e.aggregateId,
      topic,
      JSON.stringify(e.payload),
      JSON.stringify(headers),
      e.occurredAt,
    );
    const b = firstParam - 1 + i * 9;
    return `($${b + 1}::uuid, $${b + 2}, $${b + 3}::int, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}::jsonb, $${b + 8}::jsonb, $${b + 9}::timestamptz)`;
  });
  const columns =
    'INSERT INTO outbox (event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload, headers, created_at)';
  return {
    text: onlyIf
      ? `${columns} SELECT * FROM (VALUES ${rows.join(', ')}) AS v WHERE ${onlyIf}`
      : `${columns} VALUES ${rows.join(', ')}`,
    values,
  };
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
