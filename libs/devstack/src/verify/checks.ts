import { parseEnvelope, HEADERS } from '@ordermesh/contracts';
import { DLQ_HEADERS } from '@ordermesh/platform';
import { SERVICES, ServiceName } from '../workspace';
import { isUuid, LineRow, OrderRow, World } from './world';

export interface CheckResult {
  name: string;
  /** What the check asserts, one line. */
  description: string;
  violations: number;
  /** Up to `maxExamples` offending ids (order ids, SKUs, event ids...). */
  examples: string[];
  /** Why each example failed, same order as `examples`. */
  details: string[];
}

export interface CheckOptions {
  maxExamples: number;
  /** A HELD reservation this long past `expiresAt` that the sweep has not expired yet still counts as waiting. */
  expiryGraceMs: number;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = { maxExamples: 5, expiryGraceMs: 5_000 };

/** Every check, in report order. Each is a pure function of the snapshot. */
export function runChecks(world: World, options: Partial<CheckOptions> = {}): CheckResult[] {
  const opts = { ...DEFAULT_CHECK_OPTIONS, ...options };
  return CHECKS.map((c) => {
    const found: [string, string][] = [];
    c.run(world, (id, why) => found.push([id, why]), opts);
    return {
      name: c.name,
      description: c.description,
      violations: found.length,
      examples: found.slice(0, opts.maxExamples).map(([id]) => id),
      details: found.slice(0, opts.maxExamples).map(([, why]) => why),
    };
  });
}

type Report = (id: string, why: string) => void;
interface Check {
  name: string;
  description: string;
  run(world: World, report: Report, options: CheckOptions): void;
}

export const CHECK_NAMES = [
  'orders-settled',
  'no-lost-orders',
  'confirmed-is-backed',
  'cancelled-holds-no-money',
  'cancelled-holds-no-stock',
  'stock-conservation',
  'payment-at-most-once',
  'outbox-published',
  'dlq-explained',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

const TERMINAL = new Set(['CANCELLED', 'FULFILLED']);
const REQUIRED_DLQ_HEADERS = [
  DLQ_HEADERS.reason,
  DLQ_HEADERS.consumer,
  DLQ_HEADERS.originalTopic,
  DLQ_HEADERS.failedAt,
] as const;

/** Orders with an event still in flight: an unpublished outbox row in any database, or any consumer lag at all. */
function inFlight(world: World): (orderId: string) => boolean {
  const lagging = world.lag === null || Object.values(world.lag).some((n) => n > 0);
  const unpublished = new Set<string>();
  for (const s of SERVICES) for (const r of world.outbox[s]) if (!r.published) unpublished.add(r.orderId);
  return (orderId) => lagging || unpublished.has(orderId);
}

function sameLines(a: LineRow[], b: LineRow[]): boolean {
  const key = (l: LineRow[]) =>
    l
      .map((x) => `${x.sku}:${x.quantity}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

const amount = (o: OrderRow) => (o.totalAmount === null ? 'no total' : `${o.totalAmount} ${o.currency}`);

const CHECKS: (Check & { name: CheckName })[] = [
  {
    name: 'orders-settled',
    description:
      'every order is terminal, CONFIRMED awaiting fulfilment, or PENDING on a live reservation / event in flight',
    run(world, report, options) {
      const flying = inFlight(world);
      const grace = options.expiryGraceMs;
      for (const o of world.orders) {
        if (TERMINAL.has(o.status)) continue;
        if (flying(o.id)) continue;
        const r = world.reservations.get(o.id);
        if (o.status === 'CONFIRMED') {
          // Fulfilment was requested and nothing is in flight: StockCommitted/PaymentCaptured never completed it.
          if (o.fulfillmentRequested) report(o.id, 'CONFIRMED with fulfilment requested, nothing in flight');
          continue;
        }
        if (r?.status === 'HELD' && r.expiresAt.getTime() + grace > world.now.getTime()) continue;
        report(
          o.id,
          r
            ? `PENDING, reservation ${r.status}${r.status === 'HELD' ? ' past its expiry' : ''}, nothing in flight`
            : 'PENDING, no reservation, nothing in flight',
        );
      }
    },
  },
  {
    name: 'no-lost-orders',
    description: 'every order that inventory, payment or an OrderPlaced event knows of has an order row',
    run(world, report) {
      const known = new Set(world.orders.map((o) => o.id));
      const seen = new Set<string>();
      const check = (orderId: string, where: string) => {
        if (known.has(orderId) || seen.has(orderId)) return;
        seen.add(orderId);
        report(orderId, `known to ${where}, no order row`);
      };
      for (const r of world.reservations.values()) check(r.orderId, 'inventory (reservation)');
      for (const p of world.payments) check(p.orderId, 'payment (payment row)');
      for (const id of world.paymentCancellations) check(id, 'payment (cancellation)');
      for (const s of SERVICES)
        for (const e of world.outbox[s]) check(e.orderId, `${s} outbox (${e.eventType})`);
      for (const e of world.topicEvents) if (e.eventType === 'OrderPlaced') check(e.orderId, 'order.events');
    },
  },
  {
    name: 'confirmed-is-backed',
    description:
      'CONFIRMED/FULFILLED orders have their exact lines held (confirmed) or committed and their total authorized or captured',
    run(world, report) {
      const payments = new Map(world.payments.map((p) => [p.orderId, p]));
      for (const o of world.orders) {
        if (o.status !== 'CONFIRMED' && o.status !== 'FULFILLED') continue;
        const r = world.reservations.get(o.id);
        const p = payments.get(o.id);
        // CONFIRMED with fulfilment under way may already have its stock committed and its money captured.
        const stockOk = o.status === 'FULFILLED' ? ['COMMITTED'] : ['CONFIRMED', 'COMMITTED'];
        const moneyOk = o.status === 'FULFILLED' ? ['CAPTURED'] : ['AUTHORIZED', 'CAPTURED'];
        if (!r) report(o.id, `${o.status} without a reservation`);
        else if (!stockOk.includes(r.status)) report(o.id, `${o.status} with reservation ${r.status}`);
        else if (!sameLines(r.lines, world.orderLines.get(o.id) ?? []))
          report(o.id, `${o.status}: reservation lines differ from order lines`);
        else if (!p) report(o.id, `${o.status} without a payment`);
        else if (!moneyOk.includes(p.status)) report(o.id, `${o.status} with payment ${p.status}`);
        else if (p.amount !== o.totalAmount || p.currency !== o.currency)
          report(o.id, `${o.status}: payment ${p.amount} ${p.currency} ≠ order total ${amount(o)}`);
      }
    },
  },
  {
    name: 'cancelled-holds-no-money',
    description: 'no CANCELLED order has money authorized or captured (not voided / refunded)',
    run(world, report) {
      const cancelled = new Set(world.orders.filter((o) => o.status === 'CANCELLED').map((o) => o.id));
      for (const p of world.payments) {
        if (!cancelled.has(p.orderId)) continue;
        if (p.status === 'AUTHORIZED') report(p.orderId, `CANCELLED, payment ${p.id} still AUTHORIZED`);
        else if (p.capturedAmount > p.refundedAmount)
          report(p.orderId, `CANCELLED, ${p.capturedAmount - p.refundedAmount} captured and not refunded`);
      }
    },
  },
  {
    name: 'cancelled-holds-no-stock',
    description: 'no CANCELLED order has stock held, confirmed or committed',
    run(world, report) {
      for (const o of world.orders) {
        if (o.status !== 'CANCELLED') continue;
        const r = world.reservations.get(o.id);
        if (r && (r.status === 'HELD' || r.status === 'CONFIRMED' || r.status === 'COMMITTED'))
          report(o.id, `CANCELLED, reservation ${r.id} still ${r.status}`);
      }
    },
  },
  {
    name: 'stock-conservation',
    description:
      'per SKU: initial = available + reserved + committed; reserved / committed = the HELD+CONFIRMED / COMMITTED reservation lines',
    run(world, report) {
      const reserved = new Map<string, number>();
      const committed = new Map<string, number>();
      for (const r of world.reservations.values()) {
        const bucket =
          r.status === 'HELD' || r.status === 'CONFIRMED'
            ? reserved
            : r.status === 'COMMITTED'
              ? committed
              : null;
        if (!bucket) continue;
        for (const l of r.lines) bucket.set(l.sku, (bucket.get(l.sku) ?? 0) + l.quantity);
      }
      const skus = new Set(world.stock.map((s) => s.sku));
      for (const s of world.stock) {
        const total = s.available + s.reserved + s.committed;
        const wantReserved = reserved.get(s.sku) ?? 0;
        const wantCommitted = committed.get(s.sku) ?? 0;
        if (total !== s.initialStock)
          report(
            s.sku,
            `initial ${s.initialStock} ≠ ${s.available} + ${s.reserved} + ${s.committed} = ${total}`,
          );
        else if (s.reserved !== wantReserved)
          report(s.sku, `reserved ${s.reserved} ≠ ${wantReserved} in HELD/CONFIRMED reservations`);
        else if (s.committed !== wantCommitted)
          report(s.sku, `committed ${s.committed} ≠ ${wantCommitted} in COMMITTED reservations`);
      }
      for (const sku of new Set([...reserved.keys(), ...committed.keys()]))
        if (!skus.has(sku)) report(sku, 'reservation lines for a SKU without a stock row');
    },
  },
  {
    name: 'payment-at-most-once',
    description:
      'per order: at most one payment and one authorization, at most one capture, and a capture is the order total',
    run(world, report) {
      const orders = new Map(world.orders.map((o) => [o.id, o]));
      const rows = new Map<string, number>();
      for (const p of world.payments) rows.set(p.orderId, (rows.get(p.orderId) ?? 0) + 1);
      // Distinct event ids per order and type, from the payment outbox and the topic (either may be incomplete).
      const events = new Map<string, Set<string>>();
      const add = (orderId: string, type: string, eventId: string) => {
        const k = `${orderId}|${type}`;
        const set = events.get(k) ?? new Set<string>();
        set.add(eventId);
        events.set(k, set);
      };
      for (const e of world.outbox.payment) add(e.orderId, e.eventType, e.eventId);
      for (const e of world.topicEvents) add(e.orderId, e.eventType, e.eventId);
      const reported = new Set<string>();
      const flag = (orderId: string, why: string) => {
        if (reported.has(orderId)) return;
        reported.add(orderId);
        report(orderId, why);
      };
      for (const [orderId, n] of rows) if (n > 1) flag(orderId, `${n} payment rows`);
      for (const [k, ids] of events) {
        const [orderId, type] = k.split('|') as [string, string];
        if ((type === 'PaymentAuthorized' || type === 'PaymentCaptured') && ids.size > 1)
          flag(orderId, `${ids.size} distinct ${type} events`);
      }
      for (const p of world.payments) {
        if (p.capturedAmount === 0n) continue;
        const o = orders.get(p.orderId);
        if (!o) continue; // reported by no-lost-orders
        if (p.capturedAmount !== o.totalAmount || p.currency !== o.currency)
          flag(p.orderId, `captured ${p.capturedAmount} ${p.currency} ≠ order total ${amount(o)}`);
      }
    },
  },
  {
    name: 'outbox-published',
    description: 'every outbox row of every database has been published',
    run(world, report) {
      for (const s of SERVICES)
        for (const r of world.outbox[s])
          if (!r.published)
            report(r.eventId, `${s} outbox: ${r.eventType} for order ${r.orderId} unpublished`);
    },
  },
  {
    name: 'dlq-explained',
    description:
      'every dead-lettered message carries the dlq-* headers, and is a contract violation or a valid event whose effect was applied later',
    run(world, report) {
      for (const m of world.dlq) {
        const where = `${m.topic}:${m.partition}:${m.offset}`;
        const id = m.headers[HEADERS.eventId] ?? where;
        const missing = REQUIRED_DLQ_HEADERS.filter((h) => !m.headers[h]);
        if (missing.length) {
          report(id, `${where} lacks ${missing.join(', ')}`);
          continue;
        }
        const parsed = parseEnvelope(m.value ?? '');
        if (!parsed.ok) continue; // poison or contract violation: explained by its reason header
        const consumer = m.headers[DLQ_HEADERS.consumer]!;
        const service = consumer.replace(/-service$/, '') as ServiceName;
        if (!SERVICES.includes(service) || !isUuid(parsed.envelope.eventId)) {
          report(id, `${where}: dead-lettered by unknown consumer ${consumer}`);
          continue;
        }
        if (!world.processed.has(`${consumer}|${parsed.envelope.eventId}`))
          report(
            id,
            `unexplained DLQ message: the saga may be stuck (${parsed.envelope.eventType} for order ` +
              `${parsed.envelope.aggregateId}, ${m.headers[DLQ_HEADERS.reason]}, never applied by ${consumer})`,
          );
      }
    },
  },
];
