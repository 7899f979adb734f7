import { EventEnvelope, parseEnvelope, ContractViolation, dlqTopic, HEADERS } from '@ordermesh/contracts';
import { Pool } from 'pg';
import { Context, context, Span, trace } from '@opentelemetry/api';
import { isConnectionError, isRetryableTransactionError, withTransaction } from '../db/transaction';
import { DeliveryControl, DLQ_HEADERS, InboundMessage, MessagePublisher } from '../messages';
import { contextFrom, recordFailure, SpanKind, tracer, withLogFields } from '../observability/propagation';
import type { Queryable } from './outbox';
import { inUnitOfWork } from '../unit-of-work/units';
import type { ServiceReactions } from '../unit-of-work/reactions';
import type { Reaction, TracedEnvelope } from '../unit-of-work/unit-of-work';
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

/** A failed run no longer than this is replayed message by message; a longer one is halved (see `replay`). */
const REPLAY_ONE_BY_ONE = 8;

const ALWAYS_RUNNING: DeliveryControl = { heartbeat: async () => undefined, isRunning: () => true };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** One message being handled: its envelope, its CONSUMER span and the context (trace, log fields) it runs in. */
interface WorkUnit {
  envelope: TracedEnvelope;
  message: InboundMessage;
  reaction: Reaction<unknown, unknown>;
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

/**
 * Fault injection into consumption, installed from outside the production path (the chaos module provides one
 * under MESSAGING_FAULTS when CHAOS_ENABLED=true; none in normal operation).
 */
export interface MessagingFaults {
  /** The messages handed to the processor (some may appear twice, as a redelivery would). */
  deliveries(messages: InboundMessage[]): InboundMessage[];
  /** Runs before a reaction; throws to make the attempt fail transiently. */
  beforeReact(envelope: EventEnvelope): void;
  /** Runs after the effect committed, before the offset is committed. */
  afterCommit(envelope: EventEnvelope): Promise<void> | void;
}

export const MESSAGING_FAULTS = Symbol('MESSAGING_FAULTS');

export interface EventProcessorOptions {
  pool: Pool;
  /** The consumer's name: its inbox rows and its DLQ headers carry it. */
  consumer: string;
  service: ServiceReactions;
  dlq: MessagePublisher;
  retry: RetryPolicy;
  observer?: ProcessorObserver;
  faults?: MessagingFaults | null;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Consumes for one service. A run of messages (one message, or a fetch's worth) is ONE unit of work in ONE
 * transaction: validate each contract, record (consumer, eventId) in processed_messages, lock and load what the
 * fresh events' reactions claim, apply the reactions in order, write state and outbox rows — so a redelivered event
 * has no second effect, and a run costs a constant number of statements however long it is. A failed run is
 * replayed in halves down to one message at a time; a single message retries in place with exponential backoff
 * and full jitter (the partition waits, so per-key order holds); after the limit, or for a permanent failure, it
 * goes to `<topic>.dlq` and processing moves on. One message is a run of one: there is no second path.
 */
export class EventProcessor {
  private readonly pool: Pool;
  private readonly consumer: string;
  private readonly service: ServiceReactions;
  private readonly dlq: MessagePublisher;
  private readonly retry: RetryPolicy;
  private readonly observer: ProcessorObserver;
  private readonly faults: MessagingFaults | null;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EventProcessorOptions) {
    this.pool = options.pool;
    this.consumer = options.consumer;
    this.service = options.service;
    this.dlq = options.dlq;
    this.retry = options.retry;
    this.observer = options.observer ?? {};
    this.faults = options.faults ?? null;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get subscribedEventTypes(): string[] {
    return [...this.service.reactions.keys()];
  }

  /**
   * Handles a run of messages (in order; each partition's contiguous) as one unit of work. If anything in it fails,
   * the transaction rolls back and the run is replayed in halves, down to message by message through `process`,
   * which owns retries and dead-lettering — so batching changes cost, never outcomes or order.
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
      if (this.service.reactions.has(result.envelope.eventType)) {
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
    // Each message's span starts when its reaction does (time before that is queueing) and ends once the run commits.
    const units = work.map((w) => this.unitOf(w.envelope, w.message));
    let handled: ProcessOutcome[];
    try {
      handled = await withTransaction(this.pool, (tx) => this.runUnits(tx, units), 1);
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
        if (handled[i] === 'handled') await this.faults?.afterCommit(unit.envelope);
      });
    }
    return outcomes as ProcessOutcome[];
  }

  /**
   * The unit of work of a run, inside `tx`: the inbox rows first (one statement; a redelivery — already handled, or
   * earlier in the same run — is a duplicate), then the fresh events' claims locked and loaded, the reactions in
   * order, state and outbox written.
   */
  private async runUnits(tx: Queryable, units: WorkUnit[]): Promise<ProcessOutcome[]> {
    const fresh = await this.recordInbox(tx, units);
    const todo = units.filter((_, i) => fresh[i]);
    if (todo.length === 0) return units.map(() => 'duplicate');
    const claims = todo.map((u) => u.reaction.claims(u.envelope as never));
    return inUnitOfWork(tx, this.service.store, this.service.producer, claims, async (work) => {
      const out: ProcessOutcome[] = [];
      for (const [i, unit] of units.entries()) {
        out.push(
          await this.within(unit, async () => {
            if (!fresh[i]) return 'duplicate';
            // Before the reaction, so an injected failure never leaves a partial effect (the run rolls back anyway).
            this.faults?.beforeReact(unit.envelope);
            await unit.reaction.react(unit.envelope as never, work);
            return 'handled';
          }),
        );
      }
      return out;
    });
  }

  /**
   * A message whose event-type header names a type this consumer has no reaction for is skipped without parsing its
   * value (most messages on a topic are for other consumers). The header mirrors the envelope (the relay writes both
   * from one row); a message without the header is parsed and routed by its envelope.
   */
  private isIgnoredByHeader(message: InboundMessage): boolean {
    const type = message.headers[HEADERS.eventType];
    return type !== undefined && !this.service.reactions.has(type);
  }

  /**
   * Inserts the inbox rows of a run with one statement; per message, whether it is new (false: this consumer already
   * handled the event, or it occurs earlier in the same run — a redelivery either way).
   */
  private async recordInbox(tx: Queryable, units: WorkUnit[]): Promise<boolean[]> {
    const { rows } = await tx.query<{ event_id: string }>(
      `INSERT INTO processed_messages (consumer, event_id, event_type, topic, partition, "offset")
       SELECT $1, x.event_id, x.event_type, x.topic, x.partition, x."offset"
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::bigint[]) AS x(event_id, event_type, topic, partition, "offset")
       ON CONFLICT DO NOTHING
       RETURNING event_id`,
      [
        this.consumer,
        units.map((u) => u.envelope.eventId),
        units.map((u) => u.envelope.eventType),
        units.map((u) => u.message.topic),
        units.map((u) => u.message.partition),
        units.map((u) => u.message.offset),
      ],
    );
    const inserted = new Set(rows.map((r) => r.event_id));
    // The first occurrence of an inserted id is the one to handle; any later one in the run is a duplicate.
    return units.map(({ envelope }) => inserted.delete(envelope.eventId));
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

  /** One message: a run of one, with retries in place and the DLQ behind them. */
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
    if (!this.service.reactions.has(envelope.eventType)) {
      this.observer.processed?.(envelope.eventType, 'ignored', Date.now() - started);
      return 'ignored';
    }
    const unit = this.unitOf(envelope, message);
    try {
      const outcome = await this.within(unit, () => this.handleWithRetries(unit, control, started));
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
   * The consumed event as a unit of work: its reaction, the envelope with the trace context it arrived with, a
   * CONSUMER span whose parent is the producer's span (from the message's traceparent header), and the log fields
   * every line written while handling it carries.
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
          'ordermesh.aggregate_id': envelope.aggregateId,
        },
      },
      parent,
    );
    const traceparent = message.headers[HEADERS.traceparent];
    return {
      envelope: traceparent ? { ...envelope, trace: { traceparent } } : envelope,
      message,
      reaction: this.service.reactions.get(envelope.eventType)!,
      span,
      ctx: trace.setSpan(parent, span),
    };
  }

  private within<T>(unit: WorkUnit, fn: () => Promise<T>): Promise<T> {
    const { envelope } = unit;
    return withLogFields(
      {
        aggregateId: envelope.aggregateId,
        eventId: envelope.eventId,
        eventType: envelope.eventType,
        correlationId: envelope.correlationId,
      },
      () => context.with(unit.ctx, fn),
    );
  }

  private async handleWithRetries(
    unit: WorkUnit,
    control: DeliveryControl,
    started: number,
  ): Promise<ProcessOutcome> {
    const { envelope, message, span } = unit;
    let waits = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const [outcome] = await withTransaction(this.pool, (tx) => this.runUnits(tx, [unit]));
        this.observer.processed?.(envelope.eventType, outcome!, Date.now() - started);
        if (outcome === 'handled') await this.faults?.afterCommit(envelope);
        return outcome!;
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
