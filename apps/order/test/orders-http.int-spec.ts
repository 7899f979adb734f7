import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@ordermesh/platform';
import { createTestDatabase, request, TestDatabase, withClient } from '@ordermesh/testing';
import { OrderAppModule } from '../src/app.module';
import { loadOrderConfig } from '../src/config';

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

describe('order HTTP API (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase('order');
    const config = loadOrderConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', MESSAGING_ENABLED: 'false' });
    app = await createHttpApp({ module: OrderAppModule.register(config), title: 't', description: 't' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const countOrders = () =>
    withClient(db.url, async (c) =>
      Number((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n),
    );

  const validOrder = () => ({
    customerId: randomUUID(),
    items: [
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 1 },
    ],
  });

  it('places a PENDING order and reads it back', async () => {
    const body = validOrder();
    const created = await request<{ id: string; status: string; lines: unknown[]; total: unknown }>(
      app,
      'POST',
      '/orders',
      body,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', customerId: body.customerId, total: null });
    expect(created.body.lines).toEqual(body.items.map((i) => ({ ...i, unitPrice: null })));

    const fetched = await request<{ id: string; history: { eventType: string; statusAfter: string }[] }>(
      app,
      'GET',
      `/orders/${created.body.id}`,
    );
    expect(fetched.status).toBe(200);
    const { history, ...order } = fetched.body;
    expect(order).toEqual(created.body);
    expect(history).toEqual([expect.objectContaining({ eventType: 'OrderPlaced', statusAfter: 'PENDING' })]);

    const outbox = await withClient(db.url, (c) =>
      c.query('SELECT event_type, aggregate_id, topic, payload FROM outbox WHERE aggregate_id = $1', [
        created.body.id,
      ]),
    );
    expect(outbox.rows).toEqual([
      {
        event_type: 'OrderPlaced',
        aggregate_id: created.body.id,
        topic: 'order.events',
        payload: { orderId: created.body.id, customerId: body.customerId, lines: body.items },
      },
    ]);

    const lines = await withClient(db.url, (c) =>
      c.query('SELECT sku, quantity, line_no FROM order_lines WHERE order_id = $1 ORDER BY line_no', [
        created.body.id,
      ]),
    );
    expect(lines.rows).toEqual([
      { sku: 'SKU-1', quantity: 2, line_no: 1 },
      { sku: 'SKU-2', quantity: 1, line_no: 2 },
    ]);
  });

  it('replays the same order for the same Idempotency-Key and body, and refuses a different body', async () => {
    const body = validOrder();
    const key = `key-${randomUUID()}`;
    const first = await request<{ id: string }>(app, 'POST', '/orders', body, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    const again = await request<{ id: string }>(app, 'POST', '/orders', body, { 'idempotency-key': key });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await request<ErrorBody>(
      app,
      'POST',
      '/orders',
      { ...body, items: [{ sku: 'SKU-9', quantity: 1 }] },
      { 'idempotency-key': key },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('ORDER.IDEMPOTENCY_KEY_REUSED');
    const rows = await withClient(db.url, (c) =>
      c.query('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1', [first.body.id]),
    );
    expect(rows.rows[0].n).toBe(1);
  });

  it('keeps one order when the same Idempotency-Key races', async () => {
    const body = validOrder();
    const key = `race-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        request<{ id: string }>(app, 'POST', '/orders', body, { 'idempotency-key': key }),
      ),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  });

  it('cancels a PENDING order once, then answers 409 ORDER.NOT_CANCELLABLE', async () => {
    const created = await request<{ id: string }>(app, 'POST', '/orders', validOrder());
    const cancelled = await request<{ status: string; cancellationReason: string }>(
      app,
      'POST',
      `/orders/${created.body.id}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    const again = await request<ErrorBody>(app, 'POST', `/orders/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ORDER.NOT_CANCELLABLE');
    const events = await withClient(db.url, (c) =>
      c.query('SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY id', [created.body.id]),
    );
    expect(events.rows.map((r: { event_type: string }) => r.event_type)).toEqual([
      'OrderPlaced',
      'OrderCancelled',
    ]);
  });

  it('refuses to fulfil an order that is not CONFIRMED', async () => {
    const created = await request<{ id: string }>(app, 'POST', '/orders', validOrder());
    const res = await request<ErrorBody>(app, 'POST', `/orders/${created.body.id}/fulfill`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ORDER.NOT_FULFILLABLE');
  });

  it("lists a customer's orders newest first, page by page, filtered by status", async () => {
    const customerId = randomUUID();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (await request<{ id: string }>(app, 'POST', '/orders', { ...validOrder(), customerId })).body.id,
      );
    }
    await request(app, 'POST', `/orders/${ids[0]}/cancel`);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 5; page++) {
      const res = await request<{ items: { id: string }[]; nextCursor: string | null }>(
        app,
        'GET',
        `/orders?customerId=${customerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((o) => o.id));
      if (!res.body.nextCursor) break;
      cursor = res.body.nextCursor;
    }
    expect(seen).toEqual([...ids].reverse());
    const pending = await request<{ items: { id: string }[] }>(
      app,
      'GET',
      `/orders?customerId=${customerId}&status=PENDING`,
    );
    expect(pending.body.items.map((o) => o.id).sort()).toEqual([ids[1], ids[2]].sort());
    const bad = await request<ErrorBody>(app, 'GET', '/orders?status=LOST');
    expect(bad.status).toBe(400);
  });

  it('answers 404 ORDER.NOT_FOUND for an unknown id', async () => {
    const res = await request<ErrorBody>(app, 'GET', `/orders/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ORDER.NOT_FOUND');
  });

  it('answers 400 VALIDATION.FAILED for an id that is not a UUID', async () => {
    const res = await request<ErrorBody>(app, 'GET', '/orders/not-a-uuid');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
  });

  const manyItems = Array.from({ length: 101 }, (_, i) => ({ sku: `S-${i}`, quantity: 1 }));
  const badBodies: [string, unknown, string][] = [
    ['missing customerId', { items: [{ sku: 'A', quantity: 1 }] }, 'customerId'],
    ['customerId not a uuid', { customerId: 'bob', items: [{ sku: 'A', quantity: 1 }] }, 'customerId'],
    ['missing items', { customerId: randomUUID() }, 'items'],
    ['empty items', { customerId: randomUUID(), items: [] }, 'items'],
    [
      'unknown top-level field',
      { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1 }], price: 1 },
      'price',
    ],
    [
      'unknown item field',
      { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1, unitPrice: 5 }] },
      'items[0].unitPrice',
    ],
    [
      'quantity as string',
      { customerId: randomUUID(), items: [{ sku: 'A', quantity: '2' }] },
      'items[0].quantity',
    ],
    ['zero quantity', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 0 }] }, 'items[0].quantity'],
    [
      'negative quantity',
      { customerId: randomUUID(), items: [{ sku: 'A', quantity: -3 }] },
      'items[0].quantity',
    ],
    [
      'fractional quantity',
      { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1.5 }] },
      'items[0].quantity',
    ],
    ['more than 100 lines', { customerId: randomUUID(), items: manyItems }, 'items'],
    [
      'duplicate skus',
      {
        customerId: randomUUID(),
        items: [
          { sku: 'A', quantity: 1 },
          { sku: 'A', quantity: 2 },
        ],
      },
      'items',
    ],
    ['sku of wrong type', { customerId: randomUUID(), items: [{ sku: 42, quantity: 1 }] }, 'items[0].sku'],
    ['items not an array', { customerId: randomUUID(), items: { sku: 'A', quantity: 1 } }, 'items'],
  ];

  it.each(badBodies)(
    'rejects %s with 400 VALIDATION.FAILED naming the field, writing nothing',
    async (_name, body, field) => {
      const before = await countOrders();
      const res = await request<ErrorBody>(app, 'POST', '/orders', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION.FAILED');
      const fields = (res.body.error.details as { violations: { field: string }[] }).violations.map(
        (v) => v.field,
      );
      expect(fields).toContain(field);
      expect(await countOrders()).toBe(before);
    },
  );

  it('rejects malformed JSON with 400 REQUEST.MALFORMED_JSON', async () => {
    const res = await request<ErrorBody>(app, 'POST', '/orders', '{"customerId": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('rejects a body over 1 MB with 413 REQUEST.TOO_LARGE', async () => {
    const big = JSON.stringify({
      customerId: randomUUID(),
      items: [{ sku: 'A', quantity: 1 }],
      pad: 'x'.repeat(1024 * 1024),
    });
    const before = await countOrders();
    const res = await request<ErrorBody>(app, 'POST', '/orders', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('REQUEST.TOO_LARGE');
    expect(await countOrders()).toBe(before);
  });

  it('rejects a non-JSON content type with 415', async () => {
    const res = await request<ErrorBody>(app, 'POST', '/orders', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers unknown routes with 404 ROUTE.NOT_FOUND in the error envelope', async () => {
    const res = await request<ErrorBody>(app, 'GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('ROUTE.NOT_FOUND');
  });

  it('reports live and ready health, and serves the OpenAPI document', async () => {
    expect((await request(app, 'GET', '/health/live')).status).toBe(200);
    const ready = await request<{ status: string; info: Record<string, unknown> }>(
      app,
      'GET',
      '/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.info).toHaveProperty('database');
    const docs = await request<{ paths: Record<string, unknown> }>(app, 'GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining(['/orders', '/orders/{id}', '/orders/{id}/timeline']),
    );
  });

  it('serves the timeline of a placed order from its history, with the trace context of its outbox entry', async () => {
    const created = await request<{ id: string }>(app, 'POST', '/orders', validOrder(), {
      'x-correlation-id': 'timeline-corr',
    });
    const res = await request<{
      orderId: string;
      correlationId: string;
      status: string;
      startedAt: string;
      traceIds: string[];
      events: Record<string, unknown>[];
    }>(app, 'GET', `/orders/${created.body.id}/timeline`);
    expect(res.status).toBe(200);
    const outbox = await withClient(db.url, (c) =>
      c.query<{ event_id: string; headers: { traceparent?: string; occurredAt: string } }>(
        'SELECT event_id, headers FROM outbox WHERE aggregate_id = $1',
        [created.body.id],
      ),
    );
    const row = outbox.rows[0]!;
    // Filled when tracing is on (the outbox entry carries a traceparent), null otherwise: both must read back.
    const [, traceId = null, spanId = null] = row.headers.traceparent?.split('-') ?? [];
    expect(res.body).toEqual({
      orderId: created.body.id,
      correlationId: 'timeline-corr',
      status: 'PENDING',
      startedAt: row.headers.occurredAt,
      traceIds: traceId ? [traceId] : [],
      events: [
        {
          seq: 1,
          eventId: row.event_id,
          eventType: 'OrderPlaced',
          service: 'order',
          occurredAt: row.headers.occurredAt,
          recordedAt: expect.any(String),
          sinceStartMs: 0,
          causationId: null,
          causedBy: null,
          depth: 0,
          traceId,
          spanId,
          statusAfter: 'PENDING',
          action: 'placed 2 lines (3 units)',
          effect: 'applied',
          details: { lines: 2, units: 3 },
        },
      ],
    });
  });

  it('answers the timeline of an unknown order with 404 and of a malformed id with 400', async () => {
    const missing = await request<ErrorBody>(app, 'GET', `/orders/${randomUUID()}/timeline`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('ORDER.NOT_FOUND');
    const malformed = await request<ErrorBody>(app, 'GET', '/orders/42/timeline');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('VALIDATION.FAILED');
  });

  it('echoes a caller correlation id and mints one otherwise', async () => {
    const given = await request(app, 'GET', '/health/live', undefined, { 'x-correlation-id': 'abc-123' });
    expect(given.headers['x-correlation-id']).toBe('abc-123');
    const minted = await request(app, 'GET', '/health/live');
    expect(String(minted.headers['x-correlation-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});
