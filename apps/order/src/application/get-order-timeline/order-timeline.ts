import type { OrderStatus } from '../../domain/order-status';
import type { OrderTimelineSource, RecordedHistoryEntry } from '../ports/order-queries.port';

export type TimelineEffect = 'applied' | 'none';

export interface TimelineEvent {
  /** 1-based position in causal order. */
  seq: number;
  eventId: string;
  eventType: string;
  /** The service that produced the event. */
  service: string;
  occurredAt: string;
  recordedAt: string;
  sinceStartMs: number;
  causationId: string | null;
  /** The cause's event type, when the cause is in this order's history. */
  causedBy: string | null;
  /** Causal depth: 0 for a root (no cause, or a cause this history does not hold). */
  depth: number;
  traceId: string | null;
  spanId: string | null;
  statusAfter: OrderStatus;
  action: string;
  effect: TimelineEffect;
  details: Record<string, unknown>;
}

export interface OrderTimeline {
  orderId: string;
  correlationId: string | null;
  status: OrderStatus;
  cancellationReason?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  traceIds: string[];
  events: TimelineEvent[];
}

/** Saga-ending events, by the terminal status they put the order in. */
const FINISHING_EVENT: Partial<Record<OrderStatus, string>> = {
  CANCELLED: 'OrderCancelled',
  FULFILLED: 'OrderFulfilled',
};

/**
 * Orders an order's history causally and says in words what each event did. Pure: the timeline of the same
 * history is always the same, whatever order the rows were read in.
 */
export function buildOrderTimeline(source: OrderTimelineSource): OrderTimeline {
  const ordered = causalOrder(source.history);
  const placed = ordered.find((o) => o.entry.eventType === 'OrderPlaced');
  const startedAt = placed?.entry.occurredAt ?? source.createdAt;
  const start = Date.parse(startedAt);
  const finishing = FINISHING_EVENT[source.status];
  // The last one: a terminal status is reached once, but a replayed history must not report an earlier time.
  const finished = finishing
    ? ordered.filter((o) => o.entry.eventType === finishing).map((o) => o.entry.occurredAt)
    : [];
  const finishedAt = finished.length ? finished.reduce((a, b) => (a > b ? a : b)) : undefined;
  const traceIds = [...new Set(ordered.flatMap((o) => (o.entry.traceId ? [o.entry.traceId] : [])))];
  return {
    orderId: source.orderId,
    correlationId: source.correlationId,
    status: source.status,
    ...(source.cancellationReason ? { cancellationReason: source.cancellationReason } : {}),
    startedAt,
    ...(finishedAt ? { finishedAt, durationMs: Date.parse(finishedAt) - start } : {}),
    traceIds,
    events: ordered.map(({ entry, cause, depth }, i) => ({
      seq: i + 1,
      eventId: entry.eventId,
      eventType: entry.eventType,
      service: entry.producer,
      occurredAt: entry.occurredAt,
      recordedAt: entry.recordedAt,
      sinceStartMs: Date.parse(entry.occurredAt) - start,
      causationId: entry.causationId,
      causedBy: cause?.eventType ?? null,
      depth,
      traceId: entry.traceId,
      spanId: entry.spanId,
      statusAfter: entry.statusAfter,
      action: describeEvent(entry),
      effect: effectOf(entry),
      details: detailsOf(entry),
    })),
  };
}

interface Placed {
  entry: RecordedHistoryEntry;
  cause: RecordedHistoryEntry | null;
  depth: number;
}

/**
 * Topological order over causationId (a cause always before its effects); among the events ready at each step, the
 * earliest by occurredAt, then eventId. Events whose cause is absent (or null) are roots. A cycle cannot come from
 * real events (a cause exists before its effect); should corrupt data hold one, its events still appear, as roots.
 */
export function causalOrder(history: RecordedHistoryEntry[]): Placed[] {
  const byId = new Map<string, RecordedHistoryEntry>();
  for (const e of history) if (!byId.has(e.eventId)) byId.set(e.eventId, e);
  const entries = [...byId.values()];
  const causeOf = (e: RecordedHistoryEntry) =>
    e.causationId && e.causationId !== e.eventId ? (byId.get(e.causationId) ?? null) : null;
  const effects = new Map<string, RecordedHistoryEntry[]>();
  for (const e of entries) {
    const cause = causeOf(e);
    if (cause) effects.set(cause.eventId, [...(effects.get(cause.eventId) ?? []), e]);
  }
  const out: Placed[] = [];
  const depth = new Map<string, number>();
  const done = new Set<string>();
  let ready = entries.filter((e) => !causeOf(e));
  while (out.length < entries.length) {
    if (ready.length === 0) {
      // Only a cycle leaves events unplaced with nothing ready: release its earliest member as a root.
      ready = [entries.filter((e) => !done.has(e.eventId)).sort(byTime)[0]!];
    }
    ready.sort(byTime);
    const next = ready.shift()!;
    const cause = causeOf(next);
    const d = cause && done.has(cause.eventId) ? (depth.get(cause.eventId) ?? 0) + 1 : 0;
    depth.set(next.eventId, d);
    done.add(next.eventId);
    out.push({ entry: next, cause: cause && done.has(cause.eventId) ? cause : null, depth: d });
    for (const effect of effects.get(next.eventId) ?? []) if (!done.has(effect.eventId)) ready.push(effect);
  }
  return out;
}

function byTime(a: RecordedHistoryEntry, b: RecordedHistoryEntry): number {
  const t = Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
  if (t !== 0) return t;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** 'none': the order's reaction changed nothing (a late or irrelevant event, recorded for the story only). */
function effectOf(entry: Pick<RecordedHistoryEntry, 'detail'>): TimelineEffect {
  return entry.detail['effect'] === 'none' ? 'none' : 'applied';
}

function detailsOf(entry: RecordedHistoryEntry): Record<string, unknown> {
  const { effect: _effect, orderId: _orderId, ...details } = entry.detail;
  return details;
}

/** A short sentence of what the event did, from the fields the history kept of its payload. */
export function describeEvent(
  entry: Pick<RecordedHistoryEntry, 'eventType' | 'detail' | 'statusAfter'>,
): string {
  const d = entry.detail;
  const sentence = (DESCRIBE[entry.eventType] ?? (() => entry.eventType))(d);
  return effectOf(entry) === 'none'
    ? `${sentence}; no change, the order was already ${entry.statusAfter}`
    : sentence;
}

type Detail = Record<string, unknown>;

const DESCRIBE: Record<string, (d: Detail) => string> = {
  OrderPlaced: (d) => `placed ${linesAndUnits(d) ?? 'the order'}`,
  StockReserved: (d) =>
    join(
      `reserved ${linesAndUnits(d) ?? 'the stock'}`,
      money(d['total']) && `total ${money(d['total'])}`,
      str(d['expiresAt']) && `held until ${str(d['expiresAt'])}`,
    ),
  StockReservationFailed: (d) =>
    join(
      `could not reserve: ${str(d['reason']) ?? 'unknown reason'}`,
      Array.isArray(d['skus']) && d['skus'].length ? `SKUs ${d['skus'].join(', ')}` : undefined,
    ),
  PaymentAuthorized: (d) => `authorized ${money(d['amount']) ?? 'the payment'}`,
  PaymentDeclined: (d) => `declined: ${str(d['reason']) ?? 'unknown reason'}`,
  ReservationConfirmed: (d) => `${words('confirmed reservation', d['reservationId'])}: it no longer expires`,
  OrderConfirmed: (d) => join('confirmed', money(d['total']) && `total ${money(d['total'])}`),
  OrderCancelled: (d) =>
    `cancelled: ${str(d['reason']) ?? 'unknown reason'}` +
    (d['previousStatus'] === 'CONFIRMED' ? ' (was CONFIRMED)' : ''),
  ReservationExpired: (d) => `${words('reservation', d['reservationId'])} expired, its stock released`,
  StockReleased: (d) =>
    join(words('released reservation', d['reservationId']), str(d['reason']) && `reason ${str(d['reason'])}`),
  PaymentVoided: (d) => words('voided authorization', money(d['amount'])),
  PaymentRefunded: (d) => `refunded ${money(d['amount']) ?? 'the payment'}`,
  OrderFulfillmentRequested: () => 'fulfilment requested: commit stock, capture payment',
  StockCommitted: (d) => words('committed the stock of reservation', d['reservationId']),
  PaymentCaptured: (d) => `captured ${money(d['amount']) ?? 'the payment'}`,
  OrderFulfilled: () => 'fulfilled: stock committed and payment captured',
};

function join(...parts: (string | false | undefined | null)[]): string {
  return parts.filter((p): p is string => typeof p === 'string' && p.length > 0).join(', ');
}

/** `text` followed by `value` when there is one. */
function words(text: string, value: unknown): string {
  return str(value) ? `${text} ${str(value)}` : text;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function linesAndUnits(d: Detail): string | undefined {
  const lines = d['lines'];
  if (typeof lines !== 'number') return undefined;
  const units = d['units'];
  return (
    `${lines} line${lines === 1 ? '' : 's'}` +
    (typeof units === 'number' ? ` (${units} unit${units === 1 ? '' : 's'})` : '')
  );
}

/** Integer minor units as a decimal amount, with the currency's own number of decimals (JPY 0, EUR 2, ...). */
export function money(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { amount, currency } = v as { amount?: unknown; currency?: unknown };
  if (typeof amount !== 'number' || !Number.isInteger(amount) || typeof currency !== 'string')
    return undefined;
  const decimals = currencyDecimals(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals ? `.${digits.slice(digits.length - decimals)}` : '';
  return `${sign}${whole}${fraction} ${currency}`;
}

function currencyDecimals(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2; // not an ISO 4217 code Intl knows
  }
}
