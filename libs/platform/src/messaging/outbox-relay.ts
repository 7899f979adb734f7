import { Client } from 'pg';
import { PreparedStatementClient } from '../db/prepared-statements';
import { envelopeFromRow, OutboxRow } from './outbox';
import { headersFor } from './envelope-factory';
import type { MessagePublisher, OutboundMessage } from '../messages';
import {
  activeTraceCarrier,
  contextFrom,
  recordFailure,
  SpanKind,
  tracer,
} from '../observability/propagation';
import { trace } from '@opentelemetry/api';

export interface OutboxRelayOptions {
  /** Connection string of the service's database; the relay holds one dedicated connection. */
  databaseUrl: string;
  batchSize: number;
  /** Fallback poll when no NOTIFY arrives (NOTIFY is lost while the connection is down). */
  pollIntervalMs: number;
  /** Published rows older than this are deleted. */
  retentionMs: number;
  cleanupIntervalMs: number;
  /** Advisory lock key: one relay instance per database publishes at a time (the others stand by). */
  lockKey: number;
}

export interface OutboxRelayObserver {
  /** After a batch was acknowledged and marked: what was published and when each row was committed. */
  published?(rows: { eventType: string; createdAt: Date; payload: unknown }[]): void;
  backlog?(count: number): void;
  error?(err: unknown): void;
  leadership?(leader: boolean): void;
}

/** Test and chaos hook: runs after the broker acknowledged a batch and before the rows are marked published. */
export type AfterPublishHook = (messages: OutboundMessage[]) => Promise<void> | void;

const NOTIFY_CHANNEL = 'outbox';
/**
 * After going idle the relay looks at the outbox again after this long, then after twice as long, and so on up to the
 * poll interval. An insert decides whether to NOTIFY when it runs but becomes visible when its transaction commits: a
 * writer that read the flag down just before the relay raised it, and committed just after the relay looked, sends no
 * NOTIFY. Its commit follows within milliseconds, so the first re-check finds its row.
 */
const RECHECK_FIRST_MS = 10;

/**
 * Publishes outbox rows to Kafka in id order (for one aggregate: commit order), in batches, at least once.
 * Wakes on LISTEN/NOTIFY, polls as a fallback, holds a session advisory lock so only one instance publishes,
 * marks rows published after the broker acknowledged them, and deletes them after the retention period.
 */
export class OutboxRelay {
  private client: Client | null = null;
  private leader = false;
  private stopped = true;
  private paused = false;
  private wake: (() => void) | null = null;
  /** A NOTIFY that arrived while a batch was in flight: the next idle returns at once. */
  private woken = false;
  private loop: Promise<void> | null = null;
  private lastCleanup = 0;
  /** Ids of the last batch: acknowledged by the broker, marked published by the next batch query. */
  private unmarked: string[] = [];
  /** Whether the relay may have left `outbox_relay_state.listening` raised (writers then NOTIFY). */
  private listening = false;
  /** First re-check after going idle: RECHECK_FIRST_MS after activity, the poll interval once a whole one was quiet. */
  private recheckAfter = RECHECK_FIRST_MS;
  afterPublish: AfterPublishHook | null = null;

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly opts: OutboxRelayOptions,
    private readonly observer: OutboxRelayObserver = {},
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signal();
    await this.loop;
    // Mark the last batch and lower the flag on the way out (best effort: unmarked rows are published again).
    const client = this.client;
    if (client && this.leader) {
      await this.nextBatch(client, 0)
        .then(() => (this.listening ? this.lowerFlag(client) : undefined))
        .catch(() => undefined);
    }
    await this.disconnect();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.signal();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const client = await this.connection();
        if (!this.leader) {
          const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
            this.opts.lockKey,
          ]);
          this.leader = rows[0]!.ok;
          this.observer.leadership?.(this.leader);
          if (!this.leader) {
            await this.idle(this.opts.pollIntervalMs * 4);
            continue;
          }
        }
        if (this.paused) {
          // Marks the last batch and lowers the flag, so writers do not NOTIFY a paused relay.
          if (this.unmarked.length) await this.nextBatch(client, 0);
          if (this.listening) await this.lowerFlag(client);
          await this.idle(this.opts.pollIntervalMs);
          continue;
        }
        const published = await this.publishBatch(client);
        await this.cleanupIfDue(client);
        failures = 0;
        // Keep draining while rows keep coming; listen (and make inserts notify) only once the outbox is empty: a
        // NOTIFY serialises commits, so under load it must not be on.
        if (published === 0) await this.waitForWork(client);
      } catch (err) {
        this.observer.error?.(err);
        // Any failure may have left the connection (and with it the lock) in doubt: start over.
        await this.disconnect();
        failures++;
        await this.idle(Math.min(5_000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  /**
   * One round trip: marks the previous batch published, lowers the listening flag if it is raised and rows are
   * waiting (the relay is busy again), and reads the next batch (up to `limit` rows). The read's snapshot predates the
   * mark, hence the explicit exclusion of those ids.
   */
  private async nextBatch(client: Client, limit: number): Promise<OutboxRow[]> {
    const { rows } = await client.query<OutboxRow>(
      `WITH marked AS (
         UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])
       ), busy AS (
         UPDATE outbox_relay_state SET listening = false
          WHERE id = 1 AND listening
            AND EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL AND id <> ALL($1::bigint[]))
       )
       SELECT id, event_id, event_type, schema_version, aggregate_id, topic, payload, headers, created_at
         FROM outbox WHERE published_at IS NULL AND id <> ALL($1::bigint[]) ORDER BY id LIMIT $2`,
      [this.unmarked, limit],
    );
    this.unmarked = [];
    if (rows.length > 0) this.listening = false;
    return rows;
  }

  private async lowerFlag(client: Client): Promise<void> {
    await client.query('UPDATE outbox_relay_state SET listening = false WHERE id = 1 AND listening');
    this.listening = false;
  }

  private async publishBatch(client: Client): Promise<number> {
    const rows = await this.nextBatch(client, this.opts.batchSize);
    if (rows.length > 0) this.recheckAfter = RECHECK_FIRST_MS;
    if (rows.length === 0) {
      this.observer.backlog?.(0);
      return 0;
    }
    // One PRODUCER span per event, child of the span that wrote the row (its traceparent) and starting at the row's
    // commit, so a trace shows the time spent in the outbox; the consumer's span becomes this span's child.
    const spans = rows.map((row) => {
      const parent = contextFrom({
        traceparent: row.headers.traceparent,
        tracestate: row.headers.tracestate,
      });
      const span = tracer().startSpan(
        `publish ${row.topic}`,
        {
          kind: SpanKind.PRODUCER,
          startTime: row.created_at,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': row.topic,
            'messaging.message.id': row.event_id,
            'messaging.kafka.message.key': row.aggregate_id,
            'ordermesh.event_type': row.event_type,
            // Every saga event is keyed by its order.
            'ordermesh.aggregate_id': row.aggregate_id,
          },
        },
        parent,
      );
      return { span, carrier: activeTraceCarrier(trace.setSpan(parent, span)) };
    });
    const messages: OutboundMessage[] = rows.map((row, i) => {
      const { trace: _written, ...body } = envelopeFromRow(row);
      return {
        topic: row.topic,
        key: row.aggregate_id,
        value: JSON.stringify(body),
        headers: headersFor(body, spans[i]!.carrier),
      };
    });
    try {
      await this.publisher.publish(messages);
    } catch (err) {
      for (const { span } of spans) {
        recordFailure(span, err);
        span.end();
      }
      throw err;
    }
    for (const { span } of spans) span.end();
    await this.afterPublish?.(messages);
    // Marked by the next batch query (one round trip fewer per batch); a crash before that publishes them again.
    this.unmarked = rows.map((r) => r.id);
    this.observer.published?.(
      rows.map((r) => ({ eventType: r.event_type, createdAt: r.created_at, payload: r.payload })),
    );
    return rows.length;
  }

  /**
   * Sleeps until NOTIFY or the poll interval. Inserts notify only while `outbox_relay_state.listening` is raised (a
   * NOTIFY serialises commits database-wide), so it is raised when the outbox is found empty and lowered by the next
   * batch query that finds rows. Raising it and looking at the outbox take one statement; the outbox is looked at again
   * after RECHECK_FIRST_MS, doubling up to the poll interval, for rows whose writers read the flag before it was up.
   */
  private async waitForWork(client: Client): Promise<void> {
    this.listening = true;
    const { rows } = await client.query<{ pending: boolean }>(
      `WITH raised AS (UPDATE outbox_relay_state SET listening = true WHERE id = 1 AND NOT listening)
       SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL) AS pending`,
    );
    if (rows[0]!.pending) return;
    for (let wait = this.recheckAfter; ; wait *= 2) {
      const woken = await this.idle(Math.min(wait, this.opts.pollIntervalMs));
      if (woken || this.stopped || this.paused) {
        this.recheckAfter = RECHECK_FIRST_MS;
        return;
      }
      if (wait >= this.opts.pollIntervalMs) {
        this.recheckAfter = this.opts.pollIntervalMs; // quiet: the run loop's next batch query is the poll
        return;
      }
      const again = await client.query<{ pending: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM outbox WHERE published_at IS NULL) AS pending',
      );
      if (again.rows[0]!.pending) return;
    }
  }

  private async cleanupIfDue(client: Client): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < this.opts.cleanupIntervalMs) return;
    this.lastCleanup = now;
    await client.query(
      `DELETE FROM outbox WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)`,
      [this.opts.retentionMs / 1000],
    );
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
    );
    this.observer.backlog?.(Number(rows[0]!.n));
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new PreparedStatementClient({
      connectionString: this.opts.databaseUrl,
      application_name: 'outbox-relay',
    });
    client.on('error', (err) => {
      this.observer.error?.(err);
      if (this.client === client) {
        this.client = null;
        this.leader = false;
      }
      this.signal();
    });
    client.on('notification', () => this.signal());
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    // The relay's own writes (published marks, the listening flag, retention deletes) need not wait for the WAL
    // flush: after a crash that lost them, rows are published again (at least once) and the flag is reset by the
    // next batch query. Visibility to other sessions is immediate either way.
    await client.query('SET synchronous_commit = off');
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (this.leader) this.observer.leadership?.(false);
    this.leader = false;
    // Ending the session releases the advisory lock, so a standby relay can take over.
    await client?.end().catch(() => undefined);
  }

  private signal(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }

  /** Resolves true when woken (NOTIFY, resume, stop), false when `ms` passed. */
  private idle(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(true);
    if (this.woken && !this.paused) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null; // a later signal must be kept for the next idle, not spent on this finished one
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        this.woken = false;
        resolve(true);
      };
    });
  }
}
