import { EventEnvelope, parseEnvelope, ContractViolation, dlqTopic, HEADERS } from '@ordermesh/contracts';
import { Pool, PoolClient } from 'pg';
import { isConnectionError, isRetryableTransactionError, withTransaction } from '../db/transaction';
import { MessagePublisher } from './outbox-relay';
import { withBufferedOutbox } from './outbox';
import { Context, context, Span, trace } from '@opentelemetry/api';
import { contextFrom, recordFailure, SpanKind, tracer, withLogFields } from '../observability/propagation';

/** A message as the consumer received it from Kafka. */
export interface InboundMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export interface HandlerContext<E extends EventEnvelope = EventEnvelope> {
  envelope: E;
  /** The transaction that also records the event as processed: write the effect and its outbox rows here. */
  tx: PoolClient;
  message: InboundMessage;
}

export type EventHandler = (ctx: HandlerContext) => Promise<void>;

export type BatchScope = <T>(tx: PoolClient, envelopes: EventEnvelope[], run: () => Promise<T>) => Promise<T>;

/** Thrown by a handler for a failure that no retry can fix: the message goes straight to the DLQ. */
export class PermanentHandlerError extends Error {
  constructor(
    message: string,
    readonly reason = 'HANDLER.PERMANENT_FAILURE',
  ) {
    super(message);
  }
}

/**
 * Thrown by a handler when a dependency is unavailable for a while (e.g. the payment gateway's circuit is open): the
 * event is valid and must not be declined or dead-lettered, so the processor retries it indefinitely with capped
 * backoff, without using the retry budget, keeping the partition (and so per-key order) waiting.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Thrown out of processing when the consumer stops while an event waits: its offset is not committed. */
export class DeliveryInterruptedError extends Error {}

/** What the consumer loop lends the processor while a message waits: keep the group membership, notice shutdown. */
export interface DeliveryControl {
  heartbeat(): Promise<void>;
  isRunning(): boolean;
}

/** A failed run no longer than this is replayed message by message; a longer one is halved (see `replay`). */
const REPLAY_ONE_BY_ONE = 8;

const ALWAYS_RUNNING: DeliveryControl = { heartbeat: async () => undefined, isRunning: () => true };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

interface WorkUnit {
  envelope: EventEnvelope;
  message: InboundMessage;
  span: Span;
  ctx: Context;
}

export type ProcessOutcome = 'handled' | 'duplicate' | 'ignored' | 'dead-lettered';

export interface ProcessorObserver {
  processed?(eventType: string, outcome: ProcessOutcome, durationMs: number): void;
  retry?(eventType: string, attempt: number, err: unknown): void;
  /** A RetryLaterError: the event waits for a dependency (counted apart from retries). */
  deferred?(eventType: string, reason: string, waits: number): void;
  failed?(eventType: string, err: unknown): void;
  deadLettered?(topic: string, reason: string, err?: unknown): void;
}

export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  error: 'dlq-error',
  consumer: 'dlq-consumer',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  failedAt: 'dlq-failed-at',
  attempts: 'dlq-attempts',
} as const;

/**
 * Handles one message at a time for one consumer: validate the contract, then run the handler and record
 * (consumer, eventId) in processed_messages in ONE transaction, so a redelivered event has no second effect.
 * Transient failures retry in place with exponential backoff and full jitter (the partition waits, so per-key
 * order holds); after the limit, or for a permanent failure, the message goes to `<topic>.dlq` and processing
 * moves on.
 */
export class EventProcessor {
  /**
   * Wraps the handlers of a batch inside its transaction, with every envelope of the run: e.g. to take the row locks
   * the handlers will need in one global order first (each handler locks in order, but a run of them would not, and
   * could deadlock), or to load the run's aggregates with one query and write them back with one statement after
   * the handlers ran. Must call `run` once and return its result; a throw rolls the run back (then replayed in
   * halves, each a run with the scope again, and below 8 messages one by one without it).
   */
  aroundBatch: BatchScope | null = null;
  /** Chaos/test hook: runs after the effect committed, before the offset is committed. */
  afterCommit: ((envelope: EventEnvelope) => Promise<void> | void) | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly consumer: string,
    private readonly handlers: ReadonlyMap<string, EventHandler>,
    private readonly dlq: MessagePublisher,
    private readonly retry: RetryPolicy,
    private readonly observer: ProcessorObserver = {},
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  get subscribedEventTypes(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Handles messages of ONE partition, in order, sharing one transaction: one commit (one fsync) for the whole run
   * instead of one per message. Each message still gets its own inbox row and its own handler call. If anything in
   * the run fails, the transaction rolls back and the run is replayed in halves, down to message by message through
   * `process`, which owns retries and dead-lettering — so batching changes cost, never outcomes or order.
   */
  async processBatch(
    messages: InboundMessage[],
    control: DeliveryControl = ALWAYS_RUNNING,
  ): Promise<ProcessOutcome[]> {
    if (messages.length === 1) return [await this.process(messages[0]!, control)];
    const started = Date.now();
    const outcomes: (ProcessOutcome | null)[] = messages.map(() => null);
    const work: { index: number; envelope: EventEnvelope; message: InboundMessage }[] = [];
    const ignoredTypes: string[] = [];
    for (const [index, message] of messages.entries()) {
      if (this.isIgnoredByHeader(message)) {
        outcomes[index] = 'ignored';
        ignoredTypes.push(headerType(message));
        continue;
      }
      const result = parseEnvelope(message.value ?? Buffer.alloc(0));
      // Anything that needs the DLQ takes the one-by-one path, which knows how to report it.
      if (!result.ok) return this.replay(messages, control);
      if (this.handlers.has(result.envelope.eventType)) {
        work.push({ index, envelope: result.envelope, message });
      } else {
        outcomes[index] = 'ignored';
        ignoredTypes.push(result.envelope.eventType);
      }
    }
    // Reported once the run's outcome is settled (a failed run replays every message one by one, reporting them).
    const reportIgnored = () => {
      for (const type of ignoredTypes) this.observer.processed?.(type, 'ignored', 0);
    };
    if (work.length === 0) {
      reportIgnored();
      return outcomes as ProcessOutcome[];
    }
    const envelopes = work.map((w) => w.envelope);
    // Each message's span starts when its handler does (time before that is queueing) and ends once the run commits.
    const units: WorkUnit[] = [];
    let handled: ProcessOutcome[];
    try {
      handled = await withTransaction(
        this.pool,
        async (tx) => {
          const fresh = await this.recordInboxOfRun(tx, work);
          const handleAll = async () => {
            const out: ProcessOutcome[] = [];
            for (const [i, { envelope, message }] of work.entries()) {
              const unit = this.unitOf(envelope, message);
              units.push(unit);
              out.push(
                await this.within(unit, async () => {
                  if (!fresh[i]) return 'duplicate';
                  await this.handlers.get(envelope.eventType)!({ envelope, tx, message: unit.message });
                  return 'handled';
                }),
              );
            }
            return out;
          };
          // The run's outbox rows go in with one statement at its end (appendToOutbox buffers inside it).
          return withBufferedOutbox(tx, () =>
            this.aroundBatch ? this.aroundBatch(tx, envelopes, handleAll) : handleAll(),
          );
        },
        1,
      );
    } catch (err) {
      for (const unit of units) {
        recordFailure(unit.span, err);
        unit.span.setAttribute('ordermesh.batch_rolled_back', true);
        unit.span.end();
      }
      return this.replay(messages, control);
    }
    reportIgnored();
    const perMessage = (Date.now() - started) / work.length;
    for (let i = 0; i < units.length; i++) {
      const unit = units[i]!;
      outcomes[work[i]!.index] = handled[i]!;
      unit.span.setAttribute('ordermesh.outcome', handled[i]!);
      unit.span.end();
      await this.within(unit, async () => {
        this.observer.processed?.(unit.envelope.eventType, handled[i]!, perMessage);
        if (handled[i] === 'handled') await this.afterCommit?.(unit.envelope);
      });
    }
    return outcomes as ProcessOutcome[];
  }

  /**
   * A message whose event-type header names a type this consumer has no handler for is skipped without parsing its
   * value (most messages on a topic are for other consumers). The header mirrors the envelope (the relay writes both
   * from one row); a message without the header is parsed and routed by its envelope.
   */
  private isIgnoredByHeader(message: InboundMessage): boolean {
    const type = message.headers[HEADERS.eventType];
    return type !== undefined && !this.handlers.has(type);
  }

  /**
   * Inserts the inbox rows of a run with one statement; per message, whether it is new (false: this consumer already
   * handled the event, or it occurs earlier in the same run — a redelivery either way).
   */
  private async recordInboxOfRun(
    tx: PoolClient,
    work: { envelope: EventEnvelope; message: InboundMessage }[],
  ): Promise<boolean[]> {
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO processed_messages (consumer, event_id, event_type, topic, partition, "offset")
       SELECT $1, x.event_id, x.event_type, x.topic, x.partition, x."offset"
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::bigint[]) AS x(event_id, event_type, topic, partition, "offset")
       ON CONFLICT DO NOTHING
       RETURNING event_id`,
      [
        this.consumer,
        work.map((w) => w.envelope.eventId),
        work.map((w) => w.envelope.eventType),
        work.map((w) => w.message.topic),
        work.map((w) => w.message.partition),
        work.map((w) => w.message.offset),
      ],
    );
    const inserted = new Set(rows.map((r) => r.event_id));
    // The first occurrence of an inserted id is the one to handle; any later one in the run is a duplicate.
    return work.map(({ envelope }) => inserted.delete(envelope.eventId));
  }

  /** Inserts the inbox row; false when this consumer already handled the event (a redelivery). */
  private async recordInbox(
    tx: PoolClient,
    envelope: EventEnvelope,
    message: InboundMessage,
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `INSERT INTO processed_messages (consumer, event_id, event_type, topic, partition, "offset")
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [this.consumer, envelope.eventId, envelope.eventType, message.topic, message.partition, message.offset],
    );
    return rowCount === 1;
  }

  /**
   * A failed (or DLQ-bound) run again: halves in order, each as a run of its own, down to REPLAY_ONE_BY_ONE messages,
   * which go one by one through `process` (retries, dead-lettering). One bad message in a long run (a fetch's runs
   * span partitions) then costs a few transactions more, not one per message of the run; the order is unchanged.
   */
  private async replay(messages: InboundMessage[], control: DeliveryControl): Promise<ProcessOutcome[]> {
    if (messages.length <= REPLAY_ONE_BY_ONE) return this.processEach(messages, control);
    const half = Math.ceil(messages.length / 2);
    const first = await this.processBatch(messages.slice(0, half), control);
    return [...first, ...(await this.processBatch(messages.slice(half), control))];
  }

  private async processEach(messages: InboundMessage[], control: DeliveryControl): Promise<ProcessOutcome[]> {
    const out: ProcessOutcome[] = [];
    for (const m of messages) out.push(await this.process(m, control));
    return out;
  }

  async process(message: InboundMessage, control: DeliveryControl = ALWAYS_RUNNING): Promise<ProcessOutcome> {
    const started = Date.now();
    const typeHint = headerType(message);
    if (this.isIgnoredByHeader(message)) {
      this.observer.processed?.(typeHint, 'ignored', 0);
      return 'ignored';
    }
    const parsed = parseEnvelope(message.value ?? Buffer.alloc(0));
    if (!parsed.ok) {
      await this.deadLetter(message, parsed.violation.code, parsed.violation.message, 0);
      this.observer.processed?.(typeHint, 'dead-lettered', Date.now() - started);
      return 'dead-lettered';
    }
    const { envelope } = parsed;
    const handler = this.handlers.get(envelope.eventType);
    if (!handler) {
      this.observer.processed?.(envelope.eventType, 'ignored', Date.now() - started);
      return 'ignored';
    }
    const unit = this.unitOf(envelope, message);
    try {
      const outcome = await this.within(unit, () => this.handleWithRetries(unit, handler, control, started));
      unit.span.setAttribute('ordermesh.outcome', outcome);
      return outcome;
    } catch (err) {
      recordFailure(unit.span, err);
      throw err;
    } finally {
      unit.span.end();
    }
  }

  /**
   * The consumed event as a unit of work: a CONSUMER span whose parent is the producer's span (from the message's
   * traceparent header), and the log fields every line written while handling it carries.
   */
  private unitOf(envelope: EventEnvelope, message: InboundMessage): WorkUnit {
    const parent = contextFrom(message.headers);
    const span = tracer().startSpan(
      `process ${message.topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'process',
          'messaging.destination.name': message.topic,
          'messaging.consumer.group.name': this.consumer,
          'messaging.destination.partition.id': String(message.partition),
          'messaging.kafka.offset': Number(message.offset),
          'messaging.message.id': envelope.eventId,
          'ordermesh.event_type': envelope.eventType,
          'ordermesh.order_id': envelope.aggregateId,
        },
      },
      parent,
    );
    return { envelope, message, span, ctx: trace.setSpan(parent, span) };
  }

  private within<T>(unit: WorkUnit, fn: () => Promise<T>): Promise<T> {
    const { envelope } = unit;
    return withLogFields(
      {
        orderId: envelope.aggregateId,
        eventId: envelope.eventId,
        eventType: envelope.eventType,
        correlationId: envelope.correlationId,
      },
      () => context.with(unit.ctx, fn),
    );
  }

  private async handleWithRetries(
    { envelope, message, span }: WorkUnit,
    handler: EventHandler,
    control: DeliveryControl,
    started: number,
  ): Promise<ProcessOutcome> {
    let waits = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await withTransaction(this.pool, async (tx) => {
          if (!(await this.recordInbox(tx, envelope, message))) return 'duplicate' as const;
          await handler({ envelope, tx, message });
          return 'handled' as const;
        });
        this.observer.processed?.(envelope.eventType, outcome, Date.now() - started);
        if (outcome === 'handled') await this.afterCommit?.(envelope);
        return outcome;
      } catch (err) {
        span.addEvent('handler failed', { attempt, error: (err as Error)?.message ?? String(err) });
        if (err instanceof RetryLaterError) {
          if (!control.isRunning())
            throw new DeliveryInterruptedError(`stopped while ${envelope.eventId} waited`);
          waits++;
          attempt--;
          this.observer.deferred?.(envelope.eventType, err.reason, waits);
          await this.sleep(deferral(this.retry, waits));
          await control.heartbeat();
          continue;
        }
        if (err instanceof PermanentHandlerError) {
          await this.deadLetter(message, err.reason, err.message, attempt);
          this.observer.failed?.(envelope.eventType, err);
          this.observer.processed?.(envelope.eventType, 'dead-lettered', Date.now() - started);
          return 'dead-lettered';
        }
        if (attempt >= this.retry.maxAttempts) {
          const reason =
            isConnectionError(err) || isRetryableTransactionError(err)
              ? 'HANDLER.RETRIES_EXHAUSTED'
              : 'HANDLER.FAILED';
          await this.deadLetter(message, reason, (err as Error).message ?? String(err), attempt);
          this.observer.failed?.(envelope.eventType, err);
          this.observer.processed?.(envelope.eventType, 'dead-lettered', Date.now() - started);
          return 'dead-lettered';
        }
        this.observer.retry?.(envelope.eventType, attempt, err);
        await this.sleep(backoff(this.retry, attempt));
      }
    }
  }

  private async deadLetter(
    message: InboundMessage,
    reason: string,
    error: string,
    attempts: number,
  ): Promise<void> {
    const headers: Record<string, string> = {
      ...message.headers,
      [DLQ_HEADERS.reason]: reason,
      [DLQ_HEADERS.error]: error.slice(0, 1000),
      [DLQ_HEADERS.consumer]: this.consumer,
      [DLQ_HEADERS.originalTopic]: message.topic,
      [DLQ_HEADERS.originalPartition]: String(message.partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      [DLQ_HEADERS.attempts]: String(attempts),
    };
    const topic = dlqTopic(message.topic);
    await this.dlq.publish([
      { topic, key: message.key ?? '', value: message.value?.toString() ?? '', headers },
    ]);
    this.observer.deadLettered?.(topic, reason);
  }
}

function headerType(message: InboundMessage): string {
  return message.headers[HEADERS.eventType] ?? 'unknown';
}

/** Waiting on an unavailable dependency: exponential up to the cap, half of it fixed so waits never spin. */
export function deferral(policy: RetryPolicy, waits: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(waits - 1, 20));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
export function backoff(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export type { ContractViolation };
