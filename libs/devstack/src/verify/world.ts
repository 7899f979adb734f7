import { Client } from 'pg';
import { dlqTopic, HEADERS, TOPICS } from '@ordermesh/contracts';
import { consumerLag, createKafka, kafkaReachable, readTopic, StoredMessage } from '@ordermesh/platform';
import { SERVICES, ServiceName } from '../workspace';

/**
 * Everything the invariant checks look at, read once from the three databases and the topics. The checks are pure
 * functions of this snapshot, so tests can build or corrupt one without a running system.
 */
export interface World {
  /** When the snapshot was taken (database clock of the order database). */
  now: Date;
  orders: OrderRow[];
  orderLines: Map<string, LineRow[]>;
  reservations: Map<string, ReservationRow>;
  stock: StockRow[];
  payments: PaymentRow[];
  /** Orders the payment service remembers as cancelled (its tombstones). */
  paymentCancellations: string[];
  /** Outbox rows of each database, published or not. */
  outbox: Record<ServiceName, OutboxRow[]>;
  /** Events read from the three topics (deduplicated by event id), for what the outboxes may have cleaned up. */
  topicEvents: EventRef[];
  dlq: DlqMessage[];
  /** `${consumer}|${eventId}` for every inbox row of the dead-lettered events. */
  processed: Set<string>;
  /** Consumer-group lag per group (sum over partitions); null when it could not be read. */
  lag: Record<string, number> | null;
}

export interface OrderRow {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'FULFILLED' | 'CANCELLED';
  totalAmount: bigint | null;
  currency: string | null;
  cancellationReason: string | null;
  fulfillmentRequested: boolean;
  createdAt: Date;
}

export interface LineRow {
  sku: string;
  quantity: number;
}

export type ReservationStatus = 'HELD' | 'CONFIRMED' | 'RELEASED' | 'COMMITTED' | 'EXPIRED';

export interface ReservationRow {
  id: string;
  orderId: string;
  status: ReservationStatus;
  expiresAt: Date;
  lines: LineRow[];
}

export interface StockRow {
  sku: string;
  initialStock: number;
  available: number;
  reserved: number;
  committed: number;
}

export interface PaymentRow {
  id: string;
  orderId: string;
  status: 'AUTHORIZED' | 'DECLINED' | 'VOIDED' | 'CAPTURED' | 'REFUNDED';
  amount: bigint;
  currency: string;
  capturedAmount: bigint;
  refundedAmount: bigint;
}

export interface OutboxRow {
  eventId: string;
  eventType: string;
  orderId: string;
  published: boolean;
}

export interface EventRef {
  eventId: string;
  eventType: string;
  orderId: string;
}

export interface DlqMessage {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  value: string | null;
}

export interface Connections {
  databases: Record<ServiceName, string>;
  brokers: string[];
}

/** The database or the broker did not answer: the CLI exits 3 on this, not 1. */
export class ConnectError extends Error {
  readonly code = 'VERIFY.CANNOT_CONNECT';
}

/** Which consumer groups read which topics (group id = inbox consumer name = `<service>-service`). */
export const CONSUMED_TOPICS: Record<ServiceName, string[]> = {
  order: [TOPICS.inventory, TOPICS.payment],
  inventory: [TOPICS.order, TOPICS.payment],
  payment: [TOPICS.order, TOPICS.inventory],
};

export async function loadWorld(conn: Connections): Promise<World> {
  const clients = {} as Record<ServiceName, Client>;
  try {
    for (const s of SERVICES) {
      const c = new Client({ connectionString: conn.databases[s], connectionTimeoutMillis: 5_000 });
      try {
        await c.connect();
      } catch (err) {
        throw new ConnectError(`${s} database: ${(err as Error).message}`);
      }
      clients[s] = c;
    }
    const kafka = createKafka({ brokers: conn.brokers, clientId: 'ordermesh-verify' }, () => undefined);
    try {
      await kafkaReachable(kafka, 5_000);
    } catch (err) {
      throw new ConnectError(`broker ${conn.brokers.join(',')}: ${(err as Error).message}`);
    }
    return await readEverything(clients, kafka);
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.end().catch(() => undefined)));
  }
}

type Kafka = ReturnType<typeof createKafka>;

async function readEverything(db: Record<ServiceName, Client>, kafka: Kafka): Promise<World> {
  // Topics and lag first: a row the databases show afterwards can only be newer, never missing from the topic read.
  const lag: Record<string, number> = {};
  for (const s of SERVICES) {
    const parts = await consumerLag(kafka, `${s}-service`, CONSUMED_TOPICS[s]).catch(() => null);
    lag[`${s}-service`] = parts ? parts.reduce((n, p) => n + p.lag, 0) : Number.NaN;
  }
  const topicEvents = new Map<string, EventRef>();
  for (const topic of [TOPICS.order, TOPICS.payment]) {
    for (const m of await readIfExists(kafka, topic)) {
      const ref = eventRef(m);
      if (ref) topicEvents.set(ref.eventId, ref);
    }
  }
  const dlq: DlqMessage[] = [];
  for (const s of SERVICES) {
    for (const m of await readIfExists(kafka, dlqTopic(TOPICS[s]))) {
      dlq.push({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        headers: m.headers,
        value: m.value,
      });
    }
  }

  // One statement: a reservation and its lines are one snapshot.
  const reservations = new Map<string, ReservationRow>();
  for (const r of (
    await db.inventory.query<{
      id: string;
      order_id: string;
      status: ReservationStatus;
      expires_at: Date;
      sku: string | null;
      quantity: number | null;
    }>(
      `SELECT r.id, r.order_id, r.status, r.expires_at, l.sku, l.quantity
         FROM reservations r LEFT JOIN reservation_lines l ON l.reservation_id = r.id`,
    )
  ).rows) {
    let row = reservations.get(r.order_id);
    if (!row) {
      row = { id: r.id, orderId: r.order_id, status: r.status, expiresAt: r.expires_at, lines: [] };
      reservations.set(r.order_id, row);
    }
    if (r.sku !== null && r.quantity !== null) row.lines.push({ sku: r.sku, quantity: r.quantity });
  }
  const stock = (
    await db.inventory.query<StockRow>(
      `SELECT sku, initial_stock AS "initialStock", available, reserved, committed FROM stock_levels ORDER BY sku`,
    )
  ).rows;

  const payments = (
    await db.payment.query<{
      id: string;
      order_id: string;
      status: PaymentRow['status'];
      amount: string;
      currency: string;
      captured_amount: string;
      refunded_amount: string;
    }>(
      `SELECT id, order_id, status, amount::text, currency, captured_amount::text, refunded_amount::text
         FROM payments`,
    )
  ).rows.map((r): PaymentRow => ({
    id: r.id,
    orderId: r.order_id,
    status: r.status,
    amount: BigInt(r.amount),
    currency: r.currency,
    capturedAmount: BigInt(r.captured_amount),
    refundedAmount: BigInt(r.refunded_amount),
  }));
  const paymentCancellations = (
    await db.payment.query<{ order_id: string }>('SELECT order_id FROM order_cancellations')
  ).rows.map((r) => r.order_id);

  const outbox = {} as Record<ServiceName, OutboxRow[]>;
  for (const s of SERVICES) {
    outbox[s] = (
      await db[s].query<OutboxRow>(
        `SELECT event_id AS "eventId", event_type AS "eventType", aggregate_id AS "orderId",
                published_at IS NOT NULL AS published
           FROM outbox ORDER BY id`,
      )
    ).rows;
  }

  // The orders last: every order another service or an outbox row knows of was placed before, so it is in this read.
  const now = (await db.order.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
  const orders = (
    await db.order.query<{
      id: string;
      status: OrderRow['status'];
      total_amount: string | null;
      currency: string | null;
      cancellation_reason: string | null;
      fulfillment_requested: boolean;
      created_at: Date;
    }>(
      `SELECT id, status, total_amount::text, currency, cancellation_reason,
              fulfillment_requested_at IS NOT NULL AS fulfillment_requested, created_at
         FROM orders`,
    )
  ).rows.map((r): OrderRow => ({
    id: r.id,
    status: r.status,
    totalAmount: r.total_amount === null ? null : BigInt(r.total_amount),
    currency: r.currency,
    cancellationReason: r.cancellation_reason,
    fulfillmentRequested: r.fulfillment_requested,
    createdAt: r.created_at,
  }));
  const orderLines = groupLines(
    (await db.order.query('SELECT order_id AS "key", sku, quantity FROM order_lines')).rows,
  );

  const processed = new Set<string>();
  const dlqIds = dlq.map((m) => m.headers[HEADERS.eventId]).filter((id): id is string => isUuid(id));
  if (dlqIds.length) {
    for (const s of SERVICES) {
      const rows = await db[s].query<{ consumer: string; event_id: string }>(
        'SELECT consumer, event_id FROM processed_messages WHERE event_id = ANY($1::uuid[])',
        [dlqIds],
      );
      for (const r of rows.rows) processed.add(`${r.consumer}|${r.event_id}`);
    }
  }

  return {
    now,
    orders,
    orderLines,
    reservations,
    stock,
    payments,
    paymentCancellations,
    outbox,
    topicEvents: [...topicEvents.values()],
    dlq,
    processed,
    lag: Object.values(lag).some(Number.isNaN) ? null : lag,
  };
}

async function readIfExists(kafka: Kafka, topic: string): Promise<StoredMessage[]> {
  try {
    return await readTopic(kafka, topic);
  } catch (err) {
    // A topic nobody created yet (no DLQ traffic on a fresh broker) holds nothing.
    if (/does not host this topic|unknown topic|UNKNOWN_TOPIC/i.test((err as Error).message)) return [];
    throw err;
  }
}

function eventRef(m: StoredMessage): EventRef | null {
  const eventId = m.headers[HEADERS.eventId];
  const eventType = m.headers[HEADERS.eventType];
  if (!eventId || !eventType || !m.key) return null;
  return { eventId, eventType, orderId: m.key };
}

function groupLines(rows: { key: string; sku: string; quantity: number }[]): Map<string, LineRow[]> {
  const out = new Map<string, LineRow[]>();
  for (const r of rows) {
    const list = out.get(r.key) ?? [];
    list.push({ sku: r.sku, quantity: r.quantity });
    out.set(r.key, list);
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(v: string | undefined): v is string {
  return !!v && UUID.test(v);
}
