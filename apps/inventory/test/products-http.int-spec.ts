import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@ordermesh/platform';
import { createTestDatabase, request, TestDatabase, withClient } from '@ordermesh/testing';
import { InventoryAppModule } from '../src/app.module';
import { loadInventoryConfig } from '../src/config';

interface ErrorBody {
  error: { code: string; details?: { violations?: { field: string }[] } };
}
interface Product {
  sku: string;
  name: string;
  unitPrice: { amount: number; currency: string };
  stock: { available: number; reserved: number; committed: number };
}

describe('inventory HTTP API (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase('inventory');
    const config = loadInventoryConfig({
      DATABASE_URL: db.url,
      LOG_LEVEL: 'silent',
      MESSAGING_ENABLED: 'false',
    });
    app = await createHttpApp({ module: InventoryAppModule.register(config), title: 't', description: 't' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const sku = () => `SKU-${randomBytes(4).toString('hex').toUpperCase()}`;
  const product = (s = sku()) => ({
    sku: s,
    name: 'Red mug',
    unitPrice: 1299,
    currency: 'EUR',
    initialStock: 7,
  });
  const count = () =>
    withClient(db.url, async (c) =>
      Number((await c.query('SELECT count(*)::int AS n FROM products')).rows[0].n),
    );

  it('creates a product with its stock and reads it back with stock buckets', async () => {
    const body = product();
    const created = await request<Product>(app, 'POST', '/products', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sku: body.sku,
      unitPrice: { amount: 1299, currency: 'EUR' },
      stock: { available: 7, reserved: 0, committed: 0 },
    });
    const fetched = await request<Product>(app, 'GET', `/products/${body.sku}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
    const stock = await withClient(db.url, (c) =>
      c.query('SELECT available, reserved, committed FROM stock_levels WHERE sku = $1', [body.sku]),
    );
    expect(stock.rows).toEqual([{ available: 7, reserved: 0, committed: 0 }]);
  });

  it('refuses a second product with the same sku with 409 PRODUCT.ALREADY_EXISTS', async () => {
    const body = product();
    expect((await request(app, 'POST', '/products', body)).status).toBe(201);
    const again = await request<ErrorBody>(app, 'POST', '/products', { ...body, name: 'Other' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PRODUCT.ALREADY_EXISTS');
  });

  it('pages through products by sku with a cursor', async () => {
    const prefix = `PG${randomBytes(3).toString('hex').toUpperCase()}`;
    for (const s of ['A', 'B', 'C']) {
      expect((await request(app, 'POST', '/products', product(`${prefix}-${s}`))).status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | null = `${prefix}-`;
    while (cursor && seen.length < 10) {
      const page: { status: number; body: { items: Product[]; nextCursor: string | null } } = await request(
        app,
        'GET',
        `/products?limit=2&cursor=${cursor}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p) => p.sku).filter((s) => s.startsWith(prefix)));
      cursor = page.body.items.some((p) => !p.sku.startsWith(prefix)) ? null : page.body.nextCursor;
    }
    expect(seen).toEqual([`${prefix}-A`, `${prefix}-B`, `${prefix}-C`]);
  });

  it('answers 404 PRODUCT.NOT_FOUND for an unknown sku and 400 for a malformed one', async () => {
    const missing = await request<ErrorBody>(app, 'GET', `/products/${sku()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PRODUCT.NOT_FOUND');
    const bad = await request<ErrorBody>(app, 'GET', '/products/%20bad%20sku');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION.FAILED');
  });

  it.each([
    ['a negative price', { unitPrice: -1 }, 'unitPrice'],
    ['a fractional price', { unitPrice: 9.99 }, 'unitPrice'],
    ['a price as a string', { unitPrice: '12' }, 'unitPrice'],
    ['a bad currency', { currency: 'euro' }, 'currency'],
    ['negative stock', { initialStock: -5 }, 'initialStock'],
    ['an unknown field', { color: 'red' }, 'color'],
    ['an empty name', { name: '' }, 'name'],
  ])('rejects %s with 400 VALIDATION.FAILED and writes nothing', async (_n, patch, field) => {
    const before = await count();
    const res = await request<ErrorBody>(app, 'POST', '/products', { ...product(), ...patch });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
    expect(res.body.error.details?.violations?.map((v) => v.field)).toContain(field);
    expect(await count()).toBe(before);
  });

  it('rejects invalid list parameters', async () => {
    const res = await request<ErrorBody>(app, 'GET', '/products?limit=0');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION.FAILED');
  });
});
