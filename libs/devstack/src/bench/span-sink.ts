import { createServer } from 'node:http';

/** A publish or consume span of the saga, as the services export it over OTLP/HTTP (JSON). */
export interface MessagingSpan {
  service: string;
  spanId: string;
  parentSpanId: string;
  kind: 'producer' | 'consumer';
  eventType: string;
  startMs: number;
  endMs: number;
}

export interface SpanSink {
  url: string;
  bytes(): number;
  spans(): MessagingSpan[];
  close(): void;
}

type OtlpAttribute = { key: string; value: { stringValue?: string } };
interface OtlpSpan {
  spanId: string;
  parentSpanId?: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const KINDS: Record<number, MessagingSpan['kind']> = { 4: 'producer', 5: 'consumer' };
const attr = (list: OtlpAttribute[] | undefined, key: string) =>
  list?.find((a) => a.key === key)?.value.stringValue ?? '';

/**
 * Stands in for an OpenTelemetry collector during the benchmark: accepts OTLP/HTTP JSON exports and keeps the
 * publish/consume spans (not HTTP or SQL), from which `hopBreakdown` tells where an event's time goes.
 */
export async function startSpanSink(): Promise<SpanSink> {
  let bytes = 0;
  const kept: MessagingSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      bytes += d.length;
      chunks.push(d);
    });
    req.on('end', () => {
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport;
        for (const rs of doc.resourceSpans ?? []) {
          const service = attr(rs.resource.attributes, 'service.name');
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) {
              const kind = KINDS[s.kind];
              if (!kind) continue;
              kept.push({
                service,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                kind,
                eventType: attr(s.attributes, 'ordermesh.event_type'),
                startMs: Number(BigInt(s.startTimeUnixNano) / 1000n) / 1000,
                endMs: Number(BigInt(s.endTimeUnixNano) / 1000n) / 1000,
              });
            }
          }
        }
      } catch {
        // A malformed export only costs the breakdown some spans; the benchmark figures do not depend on it.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    bytes: () => bytes,
    spans: () => kept,
    close: () => server.close(),
  };
}

export interface HopFigures {
  /** `<producer service> <event type> → <consumer service>` */
  hop: string;
  count: number;
  /** Commit of the outbox row → broker acknowledged (the PRODUCER span). */
  outboxP50Ms: number;
  outboxP99Ms: number;
  /** Broker acknowledged → the consumer started handling (Kafka + consumer queueing). */
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  /** Handling in the consumer, inbox transaction included (the CONSUMER span). */
  handleP50Ms: number;
  handleP99Ms: number;
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!);
}

/** Per hop of the saga (an event from its producer to one consumer): where the time went, p50 and p99. */
export function hopBreakdown(spans: MessagingSpan[]): HopFigures[] {
  const producers = new Map(spans.filter((s) => s.kind === 'producer').map((s) => [s.spanId, s]));
  const hops = new Map<string, { outbox: number[]; delivery: number[]; handle: number[] }>();
  for (const c of spans) {
    if (c.kind !== 'consumer') continue;
    const p = producers.get(c.parentSpanId);
    if (!p) continue;
    const key = `${p.service} ${c.eventType} → ${c.service}`;
    const h = hops.get(key) ?? { outbox: [], delivery: [], handle: [] };
    h.outbox.push(p.endMs - p.startMs);
    h.delivery.push(Math.max(0, c.startMs - p.endMs));
    h.handle.push(c.endMs - c.startMs);
    hops.set(key, h);
  }
  return [...hops]
    .map(([hop, h]) => {
      for (const list of [h.outbox, h.delivery, h.handle]) list.sort((a, b) => a - b);
      return {
        hop,
        count: h.handle.length,
        outboxP50Ms: pct(h.outbox, 50),
        outboxP99Ms: pct(h.outbox, 99),
        deliveryP50Ms: pct(h.delivery, 50),
        deliveryP99Ms: pct(h.delivery, 99),
        handleP50Ms: pct(h.handle, 50),
        handleP99Ms: pct(h.handle, 99),
      };
    })
    .sort((a, b) => b.count - a.count);
}
