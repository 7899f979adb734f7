import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@ordermesh/platform';
import { createTestDatabase, request, TestDatabase, withClient } from '@ordermesh/testing';
import { PaymentAppModule } from '../src/app.module';
import { loadPaymentConfig } from '../src/config';

describe('payment HTTP API (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase('payment');
    app = await createHttpApp({
      module: PaymentAppModule.register(
        loadPaymentConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', MESSAGING_ENABLED: 'false' }),
      ),
      title: 't',
      description: 't',
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lists the payments of an order', async () => {
    const orderId = randomUUID();
    const paymentId = randomUUID();
    await withClient(db.url, (c) =>
      c.query(
        `INSERT INTO payments (id, order_id, customer_id, amount, currency, status) VALUES ($1, $2, $3, 2598, 'EUR', 'AUTHORIZED')`,
        [paymentId, orderId, randomUUID()],
      ),
    );
    const res = await request<{ id: string; amount: number; status: string }[]>(
      app,
      'GET',
      `/payments?orderId=${orderId}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      expect.objectContaining({
        id: paymentId,
        orderId,
        amount: 2598,
        currency: 'EUR',
        status: 'AUTHORIZED',
        capturedAmount: 0,
        refundedAmount: 0,
      }),
    ]);
    const none = await request<unknown[]>(app, 'GET', `/payments?orderId=${randomUUID()}`);
    expect(none.body).toEqual([]);
  });

  it('requires orderId to be a UUID', async () => {
    for (const url of ['/payments', '/payments?orderId=42']) {
      const res = await request<{ error: { code: string } }>(app, 'GET', url);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION.FAILED');
    }
  });

  it('is ready when its database answers', async () => {
    const res = await request<{ status: string }>(app, 'GET', '/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
  });
});
