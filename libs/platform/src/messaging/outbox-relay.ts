import { Client } from 'pg';
import { PreparedStatementClient } from '../db/prepared-statements';
import { envelopeFromRow, OutboxRow } from './outbox';
import { headersFor, OutboundMessage } from './envelope-factory';
import {
  activeTraceCarrier,
  contextFrom,
  recordFailure,
  SpanKind,
  tracer,
} from '../observability/propagation';
import { trace } from '@opentelemetry/api';

/** Where the relay sends messages; implemented by the Kafka adapter. Resolves once the broker acknowledged all. */
export interface MessagePublisher {
  publish(messages: OutboundMessage[]): Promise<void>;
}

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
 * How long the switch to idle waits for writers between their outbox insert and their commit (normally the length of
 * a commit). Writers arriving meanwhile queue behind it, so it is short; past it the relay polls again soon instead.
 */
const LISTEN_LOCK_WAIT_MS = 20;
const LISTEN_RETRY_MS = 5;

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
    if (this.client && this.leader) await this.nextBatch(this.client, 0).catch(() => undefined);
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
          if (this.unmarked.length || this.listening) await this.nextBatch(client, 0);
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
   * One round trip: marks the previous batch published, lowers the listening flag if it was raised, and reads the
   * next batch (up to `limit` rows). The read's snapshot predates the mark, hence the explicit exclusion of those ids.
   */
  private async nextBatch(client: Client, limit: number): Promise<OutboxRow[]> {
    const { rows } = await client.query<OutboxRow>(
      `WITH marked AS (
         UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])
       ), quiet AS (
         UPDATE outbox_relay_state SET listening = false WHERE id = 1 AND listening
       )
       SELECT id, event_id, event_type, schema_version, aggregate_id, topic, payload, headers, created_at
         FROM outbox WHERE published_at IS NULL AND id <> ALL($1::bigint[]) ORDER BY id LIMIT $2`,
      [this.unmarked, limit],
    );
    this.unmarked = [];
    this.listening = false;
    return rows;
  }

  private async publishBatch(client: Client): Promise<number> {
    const rows = await this.nextBatch(client, this.opts.batchSize);
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
            'ordermesh.order_id': row.aggregate_id,
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
   * NOTIFY serialises commits database-wide), so it is raised just for the sleep and lowered by the next batch query.
   * `outbox_relay_listen` raises it once no writer is between its outbox insert and its commit, then checks the outbox:
   * every row is either seen by that check or committed by a writer that read the raised flag and notifies.
   */
  private async waitForWork(client: Client): Promise<void> {
    this.listening = true;
    let pending: boolean;
    try {
      const { rows } = await client.query<{ pending: boolean }>('SELECT outbox_relay_listen($1) AS pending', [
        LISTEN_LOCK_WAIT_MS,
      ]);
      pending = rows[0]!.pending;
    } catch (err) {
      // lock_not_available: a writer holds its lock longer than a commit takes. Look again shortly.
      if ((err as { code?: string }).code !== '55P03') throw err;
      await this.idle(LISTEN_RETRY_MS);
      return;
    }
    if (!pending) await this.idle(this.opts.pollIntervalMs);
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

  private idle(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.woken && !this.paused) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        this.woken = false;
        done();
      };
    });
  }
}
