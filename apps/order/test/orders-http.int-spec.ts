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
    const config = loadOrderConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent' });
    app = await createHttpApp({ module: OrderAppModule.register(config), title: 't', description: 't' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const countOrders = () =>
    withClient(db.url, async (c) => Number((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n));

  const validOrder = () => ({ customerId: randomUUID(), items: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }] });

  it('places a PENDING order and reads it back', async () => {
    const body = validOrder();
    const created = await request<{ id: string; status: string; lines: unknown[]; total: unknown }>(app, 'POST', '/orders', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING', customerId: body.customerId, total: null });
    expect(created.body.lines).toEqual(body.items);

    const fetched = await request<{ id: string }>(app, 'GET', `/orders/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);

    const lines = await withClient(db.url, (c) =>
      c.query('SELECT sku, quantity, line_no FROM order_lines WHERE order_id = $1 ORDER BY line_no', [created.body.id]),
    );
    expect(lines.rows).toEqual([
      { sku: 'SKU-1', quantity: 2, line_no: 1 },
      { sku: 'SKU-2', quantity: 1, line_no: 2 },
    ]);
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
    ['unknown top-level field', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1 }], price: 1 }, 'price'],
    ['unknown item field', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1, unitPrice: 5 }] }, 'items[0].unitPrice'],
    ['quantity as string', { customerId: randomUUID(), items: [{ sku: 'A', quantity: '2' }] }, 'items[0].quantity'],
    ['zero quantity', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 0 }] }, 'items[0].quantity'],
    ['negative quantity', { customerId: randomUUID(), items: [{ sku: 'A', quantity: -3 }] }, 'items[0].quantity'],
    ['fractional quantity', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1.5 }] }, 'items[0].quantity'],
    ['more than 100 lines', { customerId: randomUUID(), items: manyItems }, 'items'],
    ['duplicate skus', { customerId: randomUUID(), items: [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 2 }] }, 'items'],
    ['sku of wrong type', { customerId: randomUUID(), items: [{ sku: 42, quantity: 1 }] }, 'items[0].sku'],
    ['items not an array', { customerId: randomUUID(), items: { sku: 'A', quantity: 1 } }, 'items'],
  ];

  it.each(badBodies)('rejects %s with 400 VALIDATION.FAILED naming the field, writing nothing', async (_name, body, field) => {
    const before = await countOrders();
    const res = await request<ErrorBody>(app, 'POST', '/orders', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
    const fields = (res.body.error.details as { violations: { field: string }[] }).violations.map((v) => v.field);
    expect(fields).toContain(field);
    expect(await countOrders()).toBe(before);
  });

  it('rejects malformed JSON with 400 REQUEST.MALFORMED_JSON', async () => {
    const res = await request<ErrorBody>(app, 'POST', '/orders', '{"customerId": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('rejects a body over 1 MB with 413 REQUEST.TOO_LARGE', async () => {
    const big = JSON.stringify({ customerId: randomUUID(), items: [{ sku: 'A', quantity: 1 }], pad: 'x'.repeat(1024 * 1024) });
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
    const ready = await request<{ status: string; info: Record<string, unknown> }>(app, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toHaveProperty('database');
    const docs = await request<{ paths: Record<string, unknown> }>(app, 'GET', '/docs/json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/orders', '/orders/{id}']));
  });

  it('echoes a caller correlation id and mints one otherwise', async () => {
    const given = await request(app, 'GET', '/health/live', undefined, { 'x-correlation-id': 'abc-123' });
    expect(given.headers['x-correlation-id']).toBe('abc-123');
    const minted = await request(app, 'GET', '/health/live');
    expect(String(minted.headers['x-correlation-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});
