import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, IncomingMessage, Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort, workspaceRoot } from '../src';

/** A span as OTLP/HTTP JSON carries it, flattened with its resource's service name. */
interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SPAN_KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5, CLIENT: 3 } as const;

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };

function attributes(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue;
  }
  return out;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what an OpenTelemetry collector would get from the services. */
function startReceiver(): Promise<{ server: Server; url: string; spans: ExportedSpan[] }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const doc = JSON.parse(body) as {
          resourceSpans: {
            resource: { attributes: OtlpAttribute[] };
            scopeSpans: {
              spans: (Omit<ExportedSpan, 'service' | 'attributes'> & { attributes: OtlpAttribute[] })[];
            }[];
          }[];
        };
        for (const rs of doc.resourceSpans) {
          const service = String(attributes(rs.resource.attributes)['service.name']);
          for (const ss of rs.scopeSpans) {
            for (const s of ss.spans) spans.push({ ...s, service, attributes: attributes(s.attributes) });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}`, spans });
    }),
  );
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The services as real processes (what `npm start` runs), exporting spans over OTLP/HTTP: one order's saga is one
 * trace across HTTP, PostgreSQL, the outbox relay and the consumers of all three services, and every log line about
 * the order carries its correlation id and that trace id.
 */
describe('tracing and log correlation across the three services', () => {
  const root = workspaceRoot();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordermesh-trace-'));
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: ChildProcess;
  let output = '';
  let ports: { order: number; inventory: number; payment: number };

  beforeAll(async () => {
    expect(
      spawnSync(process.execPath, [path.join(root, 'tools/build.mjs'), '--quiet'], { cwd: root }).status,
    ).toBe(0);
    receiver = await startReceiver();
    ports = { order: await freePort(), inventory: await freePort(), payment: await freePort() };
    stack = spawn(process.execPath, [path.join(root, 'dist/libs/devstack/src/cli/start.js')], {
      cwd: root,
      env: {
        ...process.env,
        ORDERMESH_DATA_DIR: dataDir,
        ORDERMESH_PG_PORT: String(await freePort()),
        KAFKA_PORT: String(await freePort()),
        ORDER_PORT: String(ports.order),
        INVENTORY_PORT: String(ports.inventory),
        PAYMENT_PORT: String(ports.payment),
        LOG_LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      },
    });
    stack.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    stack.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await until('the stack to be up', () => (/ordermesh is up in/.test(output) ? true : undefined), 90_000);
  }, 120_000);

  afterAll(async () => {
    if (stack && stack.exitCode === null) {
      await new Promise((resolve) => {
        stack.once('exit', resolve);
        stack.kill('SIGINT');
      });
    }
    receiver?.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (port: number, url: string, body: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('one saga is one trace: HTTP, DB, publish and consume spans of all three services share the trace id', async () => {
    const sku = `TRACE-${Date.now()}`;
    expect(
      (
        await post(ports.inventory, '/products', {
          sku,
          name: 'Traced',
          unitPrice: 250,
          currency: 'EUR',
          initialStock: 5,
        })
      ).status,
    ).toBe(201);
    const placed = await post(ports.order, '/orders', {
      customerId: '00000000-0000-4000-8000-000000000001',
      items: [{ sku, quantity: 2 }],
    });
    expect(placed.status).toBe(201);
    const orderId = String(placed.body.id);
    await until('the order to be CONFIRMED', async () => {
      const res = await fetch(`http://127.0.0.1:${ports.order}/orders/${orderId}`);
      const order = (await res.json()) as { status: string };
      return order.status === 'CONFIRMED' ? true : undefined;
    });

    // The root: the order service's server span for POST /orders, named by its route.
    const root = await until('the POST /orders span', () =>
      receiver.spans.find(
        (s) =>
          s.service === 'order' &&
          s.kind === SPAN_KIND.SERVER &&
          s.name === 'POST /orders' &&
          !s.parentSpanId,
      ),
    );
    const consumed = (service: string, eventType: string) =>
      receiver.spans.find(
        (s) =>
          s.service === service &&
          s.kind === SPAN_KIND.CONSUMER &&
          s.attributes['ordermesh.event_type'] === eventType &&
          s.attributes['ordermesh.aggregate_id'] === orderId,
      );
    const steps: [string, string][] = [
      ['inventory', 'OrderPlaced'],
      ['payment', 'StockReserved'],
      ['order', 'StockReserved'],
      ['inventory', 'PaymentAuthorized'],
      ['order', 'PaymentAuthorized'],
      ['order', 'ReservationConfirmed'],
    ];
    // Spans leave each process in batches (every few seconds): wait until every step's span arrived.
    await until('every step of the saga to be exported', () =>
      steps.every(([service, eventType]) => consumed(service, eventType)) ? true : undefined,
    );
    const saga = receiver.spans.filter((s) => s.traceId === root.traceId);
    const byId = new Map(saga.map((s) => [s.spanId, s]));

    for (const [service, eventType] of steps) {
      const span = consumed(service, eventType);
      expect({ service, eventType, traceId: span?.traceId }).toEqual({
        service,
        eventType,
        traceId: root.traceId,
      });
      // Each consume span is the child of the producer span that published the event.
      const parent = byId.get(span!.parentSpanId);
      expect(parent?.kind).toBe(SPAN_KIND.PRODUCER);
      expect(parent?.attributes['ordermesh.event_type']).toBe(eventType);
    }
    for (const service of ['order', 'inventory', 'payment']) {
      const mine = saga.filter((s) => s.service === service);
      expect(mine.some((s) => s.kind === SPAN_KIND.PRODUCER)).toBe(true);
      expect(mine.some((s) => s.kind === SPAN_KIND.CONSUMER)).toBe(true);
      // PostgreSQL access inside the saga's units of work (pg instrumentation).
      expect(
        mine.some(
          (s) =>
            s.kind === SPAN_KIND.CLIENT &&
            s.attributes['db.system.name'] === 'postgresql' &&
            s.attributes['db.namespace'] === service,
        ),
      ).toBe(true);
    }
    // Nothing of this order escaped into another trace.
    const elsewhere = receiver.spans.filter(
      (s) => s.attributes['ordermesh.aggregate_id'] === orderId && s.traceId !== root.traceId,
    );
    expect(elsewhere).toEqual([]);

    // Every log line about the order carries its correlation id and the saga's trace id.
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // Consumed events' lines name their aggregate (the order, for every saga event).
    const aboutOrder = lines.filter((l) => l.aggregateId === orderId);
    expect(new Set(aboutOrder.map((l) => l.service))).toEqual(new Set(['order', 'inventory', 'payment']));
    const correlationId = aboutOrder[0]!.correlationId;
    expect(correlationId).toEqual(expect.any(String));
    for (const line of aboutOrder) {
      expect({ correlationId: line.correlationId, traceId: line.traceId }).toEqual({
        correlationId,
        traceId: root.traceId,
      });
      expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    // The request's own log line: same correlation id, same trace.
    const request = lines.find((l) => l.correlationId === correlationId && l.service === 'order' && l.req);
    expect(request?.traceId).toBe(root.traceId);
  }, 90_000);
});
