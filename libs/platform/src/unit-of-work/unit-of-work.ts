import type { EnvelopeOf, EventEnvelope, EventType, PayloadOf } from '@ordermesh/contracts';
import type { OutboxEntry, Queryable } from '../messaging/outbox';

/**
 * An event with the trace context it travelled with: for a consumed event, its message's traceparent header; for an
 * event this service builds, the context it was built in.
 */
export type TracedEnvelope<E extends EventEnvelope = EventEnvelope> = E & {
  trace?: { traceparent?: string; tracestate?: string };
};

/** A command's events have no causing event; they join the saga's correlation id and, if given, its trace. */
export interface CommandCause {
  correlationId: string;
  causationId: null;
  traceparent?: string;
}

/** What caused the events a unit of work publishes: the consumed event being reacted to, or a command. */
export type Cause = TracedEnvelope | CommandCause;

/** An event a reaction or command raises, before it has an id, a time and a cause. */
export interface NewEvent<T extends EventType = EventType> {
  type: T;
  aggregateId: string;
  payload: PayloadOf<T>;
}

/**
 * The port every reaction and command publishes through. The events are validated against their contracts now and
 * written to the outbox when the unit of work commits (never before its state changes, never without them).
 * Returns them as built (ids, times), e.g. for a history that records what was published.
 */
export interface EventPublisher {
  publish(cause: Cause, events: readonly NewEvent[], now?: Date): OutboxEntry[];
}

/**
 * One saga reaction: what it needs locked (declared next to the code that needs it) and what it does. `W` is the
 * service's unit of work as its application layer sees it, `C` what one claim names (e.g. an order id).
 */
export interface Reaction<W, C, T extends EventType = EventType> {
  /** What the unit of work must lock and load before this reaction runs for `event`. */
  claims(event: EnvelopeOf<T>): C;
  /** Applies the event to the loaded state and publishes what it caused; the result is only logged. */
  react(event: TracedEnvelope<EnvelopeOf<T>>, work: W): Promise<unknown>;
}

/**
 * How a service opens and closes its unit of work (implemented in its infrastructure). The same two calls serve a
 * command, one consumed event and a run of hundreds: batching changes how many rows a statement carries, never which
 * code runs.
 */
export interface UnitOfWorkStore<W, C> {
  /**
   * Locks and loads what `claims` name, in the service's one global lock order (so concurrent units cannot
   * deadlock), and returns the work the reactions operate on; `events` is the publisher it hands out.
   */
  open(tx: Queryable, claims: readonly C[], events: EventPublisher): Promise<W>;
  /**
   * Writes what the work changed, inside `tx`. It may take the outbox rows into its own statement (`outbox.take()`);
   * whatever it leaves is written right after it.
   */
  flush(tx: Queryable, work: W, outbox: OutboxRows): Promise<void>;
}

/** The outbox rows a unit of work published, for a store that writes them in its own statement. */
export interface OutboxRows {
  /** Removes and returns the rows not yet written, in publish order. */
  take(): { aggregateType: string; entries: OutboxEntry[] };
}

/** The application port a command runs through: `fn` is one unit of work over what `claims` name (one transaction). */
export interface UnitsOfWork<W, C> {
  run<T>(claims: readonly C[], fn: (work: W) => Promise<T>): Promise<T>;
}
