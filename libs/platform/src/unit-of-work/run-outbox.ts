import type { EventType, ServiceName } from '@ordermesh/contracts';
import { buildEnvelope } from '../messaging/envelope-factory';
import { OutboxEntry, outboxInsert, Queryable } from '../messaging/outbox';
import type { Cause, EventPublisher, NewEvent, OutboxRows } from './unit-of-work';

/**
 * The events one unit of work published, held until it commits and then written with one statement, after the
 * state they follow from (so for one aggregate, outbox ids follow commit order; the relay publishes in id order).
 */
export class RunOutbox implements EventPublisher, OutboxRows {
  private entries: OutboxEntry[] = [];

  constructor(
    private readonly producer: ServiceName,
    private readonly aggregateType: string,
  ) {}

  publish(cause: Cause, events: readonly NewEvent[], now: Date = new Date()): OutboxEntry[] {
    const causedBy =
      'eventId' in cause
        ? { correlationId: cause.correlationId, causationId: cause.eventId }
        : { correlationId: cause.correlationId, causationId: null, traceparent: cause.traceparent };
    const built = events.map((e) =>
      buildEnvelope(this.producer, e.type as EventType, e.aggregateId, e.payload as never, causedBy, now),
    );
    this.entries.push(...built);
    return built;
  }

  take(): { aggregateType: string; entries: OutboxEntry[] } {
    const entries = this.entries;
    this.entries = [];
    return { aggregateType: this.aggregateType, entries };
  }

  async flush(tx: Queryable): Promise<void> {
    const { aggregateType, entries } = this.take();
    if (!entries.length) return;
    const insert = outboxInsert(aggregateType, entries, 1);
    await tx.query(insert.text, insert.values);
  }
}
