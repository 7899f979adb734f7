import { randomUUID } from 'node:crypto';
import { CONTRACTS, fixtureEnvelope, FIXTURE_PAYLOADS, HEADERS, TOPICS } from '@ordermesh/contracts';
import {
  createKafka,
  KafkaPublisher,
  listDlq,
  MessagingRuntime,
  readTopic,
  replayDlq,
  StoredMessage,
} from '@ordermesh/platform';
import { eventually, quiescent, SagaStack, withClient } from '@ordermesh/testing';
import { startStack } from './stack';
import {
  countRows,
  createProduct,
  DECLINED_CUSTOMER,
  getOrder,
  newSku,
  orderReaches,
  paymentsOf,
  placeOrder,
  settled,
  stockOf,
} from './saga-helpers';

const silent = () => undefined;

/** Everything that defines the business state of the three services (not the inbox, not history). */
async function businessState(stack: SagaStack) {
  const q = (url: string, sql: string) => withClient(url, async (c) => (await c.query(sql)).rows);
  return {
    orders: await q(
      stack.databases.order.url,
      'SELECT id, status, cancellation_reason, total_amount, version FROM orders ORDER BY id',
    ),
    orderOutbox: await q(stack.databases.order.url, 'SELECT count(*)::int AS n FROM outbox'),
    stock: await q(
      stack.databases.inventory.url,
      'SELECT sku, available, reserved, committed FROM stock_levels ORDER BY sku',
    ),
    reservations: await q(
      stack.databases.inventory.url,
      'SELECT order_id, status FROM reservations ORDER BY order_id',
    ),
    inventoryOutbox: await q(stack.databases.inventory.url, 'SELECT count(*)::int AS n FROM outbox'),
    payments: await q(
      stack.databases.payment.url,
      'SELECT order_id, status, amount, captured_amount, refunded_amount FROM payments ORDER BY order_id',
    ),
    paymentOutbox: await q(stack.databases.payment.url, 'SELECT count(*)::int AS n FROM outbox'),
  };
}

describe('saga under failure (end to end)', () => {
  let stack: SagaStack;
  let kafka: ReturnType<typeof createKafka>;

  beforeAll(async () => {
    stack = await startStack({ inventory: { RESERVATION_TTL_MS: '4000', EXPIRY_SWEEP_INTERVAL_MS: '200' } });
    kafka = createKafka({ brokers: [stack.broker.address], clientId: 'e2e-test' }, silent);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('has no second effect when every event of every saga path is delivered again', async () => {
    const sku = newSku();
    await createProduct(stack, sku, 20);
    const confirmed = await placeOrder(stack, [{ sku, quantity: 1 }]);
    const fulfilled = await placeOrder(stack, [{ sku, quantity: 2 }]);
    const declined = await placeOrder(stack, [{ sku, quantity: 1 }], DECLINED_CUSTOMER);
    const outOfStock = await placeOrder(stack, [{ sku, quantity: 500 }]);
    const cancelled = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, confirmed, 'CONFIRMED');
    await orderReaches(stack, fulfilled, 'CONFIRMED');
    await orderReaches(stack, cancelled, 'CONFIRMED');
    expect((await stack.http('order', 'POST', `/orders/${fulfilled}/fulfill`)).status).toBe(202);
    expect((await stack.http('order', 'POST', `/orders/${cancelled}/cancel`)).status).toBe(200);
    // Expiry: with payment down, the reservation outlives its 4 s TTL.
    await stack.stopService('payment');
    const expired = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, expired, 'CANCELLED', 30_000);
    await stack.startService('payment');
    await orderReaches(stack, fulfilled, 'FULFILLED');
    await orderReaches(stack, declined, 'CANCELLED');
    await orderReaches(stack, outOfStock, 'CANCELLED');
    const before = await settled(() => businessState(stack), 2_000, 60_000);
    expect((await getOrder(stack, expired)).cancellationReason).toBe('EXPIRED');

    // No API path cancels a captured payment (cancel is refused once fulfilment is requested), so PaymentRefunded
    // never occurs on its own; one is injected so that its consumer is exercised like every other.
    const refund = fixtureEnvelope('PaymentRefunded', {
      aggregateId: fulfilled,
      payload: { ...FIXTURE_PAYLOADS.PaymentRefunded, orderId: fulfilled },
    });
    const injector = new KafkaPublisher(kafka);
    try {
      await injector.publish([
        {
          topic: TOPICS.payment,
          key: fulfilled,
          value: JSON.stringify(refund),
          headers: { [HEADERS.eventType]: refund.eventType, [HEADERS.eventId]: refund.eventId },
        },
      ]);
    } finally {
      await injector.disconnect();
    }
    await eventually(async () =>
      (await getOrder(stack, fulfilled)).history.some((h) => h.eventType === 'PaymentRefunded')
        ? true
        : undefined,
    );
    const all: StoredMessage[] = [];
    for (const topic of Object.values(TOPICS)) all.push(...(await readTopic(kafka, topic)));
    const types = new Set(all.map((m) => m.headers[HEADERS.eventType]));
    expect([...types].sort()).toEqual(Object.keys(CONTRACTS).sort());

    const publisher = new KafkaPublisher(kafka);
    try {
      await publisher.publish(
        all.map((m) => ({ topic: m.topic, key: m.key ?? '', value: m.value ?? '', headers: m.headers })),
      );
    } finally {
      await publisher.disconnect();
    }
    // Each consumer sees every redelivered event: wait until the inbox has recorded them as duplicates.
    await settled(() => businessState(stack), 2_000, 60_000);
    expect(await businessState(stack)).toEqual(before);
  });

  it('dead-letters a poison message with its reason, keeps consuming, and replays a fixed failure once', async () => {
    const publisher = new KafkaPublisher(kafka);
    const poisonKey = randomUUID();
    try {
      await publisher.publish([
        {
          topic: TOPICS.order,
          key: poisonKey,
          value: '{"not": "an event"',
          headers: { 'event-type': 'OrderPlaced' },
        },
      ]);
    } finally {
      await publisher.disconnect();
    }
    const sku = newSku();
    await createProduct(stack, sku, 5);
    const after = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, after, 'CONFIRMED');
    const poison = await eventually(async () => {
      const entries = (await listDlq(kafka, `${TOPICS.order}.dlq`)).filter((e) => e.key === poisonKey);
      return entries.length >= 1 ? entries : undefined;
    });
    // Only the consumer that reacts to the type its header names dead-letters it: payment has no OrderPlaced
    // reaction and skips the message without parsing it (by then the later order confirmed, so payment moved on).
    expect(poison.map((e) => e.consumer)).toEqual(['inventory-service']);
    expect(poison.every((e) => e.reason === 'CONTRACT.MALFORMED' && e.originalTopic === TOPICS.order)).toBe(
      true,
    );

    // An outage longer than the retries: inventory cannot write reservations, so OrderPlaced is dead-lettered.
    await withClient(stack.databases.inventory.url, (c) =>
      c.query('ALTER TABLE reservation_lines RENAME TO reservation_lines_offline'),
    );
    const stuck = await placeOrder(stack, [{ sku, quantity: 1 }]);
    const dead = await eventually(async () =>
      (await listDlq(kafka, `${TOPICS.order}.dlq`)).find((e) => e.key === stuck),
    );
    expect(dead).toMatchObject({
      consumer: 'inventory-service',
      eventType: 'OrderPlaced',
      reason: 'HANDLER.FAILED',
    });
    expect((await getOrder(stack, stuck)).status).toBe('PENDING');

    await withClient(stack.databases.inventory.url, (c) =>
      c.query('ALTER TABLE reservation_lines_offline RENAME TO reservation_lines'),
    );
    const replayed = await replayDlq(kafka, `${TOPICS.order}.dlq`, [dead.eventId!]);
    expect(replayed).toHaveLength(1);
    await orderReaches(stack, stuck, 'CONFIRMED');
    // Replaying again is harmless: the event is now in inventory's inbox.
    await replayDlq(kafka, `${TOPICS.order}.dlq`, [dead.eventId!]);
    await settled(() => stockOf(stack, sku));
    expect(await stockOf(stack, sku)).toEqual({ available: 3, reserved: 2, committed: 0 });
    expect(
      await countRows(
        stack.databases.inventory.url,
        'SELECT count(*) AS n FROM reservations WHERE order_id = $1',
        [stuck],
      ),
    ).toBe(1);
  });

  it('publishes again after the relay dies between publishing and marking, and the effect happens once', async () => {
    const runtime = stack.apps.order!.get(MessagingRuntime);
    const sku = newSku();
    await createProduct(stack, sku, 5);
    let crashes = 0;
    runtime.relay.afterPublish = (messages) => {
      if (!messages.some((m) => m.value.includes(sku))) return;
      runtime.relay.afterPublish = null;
      crashes++;
      throw new Error('relay crashed after the broker acknowledged the batch');
    };
    const id = await placeOrder(stack, [{ sku, quantity: 1 }]);
    await orderReaches(stack, id, 'CONFIRMED');
    expect(crashes).toBe(1);
    // The restarted relay finds the row still unpublished and sends it again.
    const copies = await eventually(async () => {
      const found = (await readTopic(kafka, TOPICS.order)).filter(
        (m) => m.key === id && m.headers[HEADERS.eventType] === 'OrderPlaced',
      );
      return found.length >= 2 ? found : undefined;
    });
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((m) => m.headers[HEADERS.eventId])).size).toBe(1);
    await settled(() => businessState(stack));
    expect(
      await countRows(
        stack.databases.inventory.url,
        'SELECT count(*) AS n FROM reservations WHERE order_id = $1',
        [id],
      ),
    ).toBe(1);
    expect(await stockOf(stack, sku)).toEqual({ available: 4, reserved: 1, committed: 0 });
    expect(await paymentsOf(stack, id)).toHaveLength(1);
  });
});

describe('reservation expiry racing the authorization (end to end)', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    // The gateway answers in about the reservation's lifetime, so authorizations and expiries interleave.
    stack = await startStack({
      inventory: { RESERVATION_TTL_MS: '1000', EXPIRY_SWEEP_INTERVAL_MS: '50' },
      payment: { GATEWAY_LATENCY_MS: '950' },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('ends every order consistent: CONFIRMED with stock held and money authorized, or CANCELLED with neither', async () => {
    const sku = newSku('RACE');
    await createProduct(stack, sku, 100);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      ids.push(await placeOrder(stack, [{ sku, quantity: 1 }]));
      await new Promise((r) => setTimeout(r, 37));
    }
    await quiescent(stack, 120_000);
    const finals = await Promise.all(
      ids.map(async (id) => ({
        order: await getOrder(stack, id),
        payments: (await paymentsOf(stack, id)).map((p) => p.status),
      })),
    );
    let confirmed = 0;
    for (const { order, payments } of finals) {
      if (order.status === 'CONFIRMED') {
        confirmed++;
        expect(payments).toEqual(['AUTHORIZED']);
      } else {
        expect(order.status).toBe('CANCELLED');
        expect(order.cancellationReason).toBe('EXPIRED');
        expect(payments.filter((p) => p === 'AUTHORIZED' || p === 'CAPTURED')).toEqual([]);
      }
    }
    expect(await stockOf(stack, sku)).toEqual({
      available: 100 - confirmed,
      reserved: confirmed,
      committed: 0,
    });
  });
});
