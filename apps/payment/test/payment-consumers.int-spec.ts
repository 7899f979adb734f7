import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventEnvelope, fixtureEnvelope } from '@ordermesh/contracts';
import {
  createHttpApp,
  EventProcessor,
  OutboundMessage,
  PG_POOL,
  SERVICE_REACTIONS,
  ServiceReactions,
} from '@ordermesh/platform';
import { createTestDatabase, reactionProcessor, request, TestDatabase, withClient } from '@ordermesh/testing';
import { PaymentAppModule } from '../src/app.module';
import { loadPaymentConfig } from '../src/config';

/**
 * The saga reactions as the app wires them: its own reaction table, unit of work and gateway from its Nest module,
 * run by the platform's event processor (inbox, contract validation, one unit of work per event) on the app's pool,
 * fed messages directly instead of from a broker.
 */
describe('payment reactions as the app wires them (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let processor: EventProcessor;
  let dlq: OutboundMessage[];
  let offset = 0;

  beforeAll(async () => {
    db = await createTestDatabase('payment');
    app = await createHttpApp({
      module: PaymentAppModule.register(
        loadPaymentConfig({ DATABASE_URL: db.url, LOG_LEVEL: 'silent', MESSAGING_ENABLED: 'false' }),
      ),
      title: 't',
      description: 't',
    });
    // What the Kafka event transport consumes with.
    const reactions = app.get<ServiceReactions>(SERVICE_REACTIONS);
    const built = reactionProcessor(app.get(PG_POOL), 'payment-service', reactions);
    processor = built.processor;
    dlq = built.deadLettered;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const deliver = (envelope: EventEnvelope) =>
    processor.process({
      topic: envelope.producer === 'order' ? 'order.events' : 'inventory.events',
      partition: 0,
      offset: String(offset++),
      key: envelope.aggregateId,
      value: Buffer.from(JSON.stringify(envelope)),
      headers: {},
    });

  const query = <T>(sql: string, params: unknown[]) =>
    withClient(db.url, async (c) => (await c.query(sql, params)).rows as T[]);

  it('subscribes to exactly the three events the payment service reacts to', () => {
    expect(processor.subscribedEventTypes.sort()).toEqual([
      'OrderCancelled',
      'OrderFulfillmentRequested',
      'StockReserved',
    ]);
  });

  it('authorizes, captures and refunds through the app reactions; a redelivered event has no second effect', async () => {
    const orderId = randomUUID();
    const customerId = randomUUID();
    const total = { amount: 5000, currency: 'EUR' };
    const reserved = fixtureEnvelope('StockReserved', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: {
        orderId,
        customerId,
        reservationId: randomUUID(),
        lines: [{ sku: 'MUG-RED', quantity: 2, unitPrice: { amount: 2500, currency: 'EUR' } }],
        total,
        expiresAt: '2030-01-01T00:15:00.000Z',
      },
    });
    expect(await deliver(reserved)).toBe('handled');
    expect(await deliver(reserved)).toBe('duplicate');

    const fulfil = fixtureEnvelope('OrderFulfillmentRequested', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId },
    });
    expect(await deliver(fulfil)).toBe('handled');
    const cancelled = fixtureEnvelope('OrderCancelled', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId, reason: 'CUSTOMER_REQUEST', previousStatus: 'CONFIRMED' },
    });
    expect(await deliver(cancelled)).toBe('handled');
    expect(await deliver(cancelled)).toBe('duplicate');
    expect(dlq).toEqual([]);

    const payments = await query<{ status: string; captured_amount: string; refunded_amount: string }>(
      'SELECT status, captured_amount, refunded_amount FROM payments WHERE order_id = $1',
      [orderId],
    );
    expect(payments).toEqual([{ status: 'REFUNDED', captured_amount: '5000', refunded_amount: '5000' }]);
    const outbox = await query<{ event_type: string }>(
      'SELECT event_type FROM outbox WHERE aggregate_id = $1 ORDER BY id',
      [orderId],
    );
    expect(outbox.map((r) => r.event_type)).toEqual([
      'PaymentAuthorized',
      'PaymentCaptured',
      'PaymentRefunded',
    ]);
    const inbox = await query<{ consumer: string; event_type: string }>(
      'SELECT consumer, event_type FROM processed_messages WHERE event_id = ANY($1::uuid[]) ORDER BY processed_at, event_type',
      [[reserved.eventId, fulfil.eventId, cancelled.eventId]],
    );
    expect(inbox).toHaveLength(3);
    expect(inbox.every((r) => r.consumer === 'payment-service')).toBe(true);

    // The HTTP read path sees the same payment, with its captured and refunded amounts.
    const res = await request<{ status: string; capturedAmount: number; refundedAmount: number }[]>(
      app,
      'GET',
      `/payments?orderId=${orderId}`,
    );
    expect(res.body).toEqual([
      expect.objectContaining({
        status: 'REFUNDED',
        amount: 5000,
        capturedAmount: 5000,
        refundedAmount: 5000,
      }),
    ]);
  });

  it('ignores events it does not react to', async () => {
    const orderId = randomUUID();
    const placed = fixtureEnvelope('OrderPlaced', {
      eventId: randomUUID(),
      aggregateId: orderId,
      payload: { orderId, customerId: randomUUID(), lines: [{ sku: 'A', quantity: 1 }] },
    });
    expect(await deliver(placed)).toBe('ignored');
  });
});
