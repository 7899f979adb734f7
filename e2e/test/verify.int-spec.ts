import { randomUUID } from 'node:crypto';
import { fixtureEnvelope, HEADERS, TOPICS } from '@ordermesh/contracts';
import { Connections, verifySystem, VerifyReport } from '@ordermesh/devstack';
import { createKafka, DLQ_HEADERS, KafkaPublisher } from '@ordermesh/platform';
import { quiescent, SagaStack, withClient } from '@ordermesh/testing';
import { startStack } from './stack';
import { createProduct, DECLINED_CUSTOMER, newSku, orderReaches, placeOrder } from './saga-helpers';

/** The checks that failed, each with its example ids. */
function failures(report: VerifyReport): Record<string, string[]> {
  return Object.fromEntries(report.checks.filter((c) => c.violations > 0).map((c) => [c.name, c.examples]));
}

describe('npm run verify: invariant checks over a real saga world', () => {
  let stack: SagaStack;
  let conn: Connections;
  const ids = { confirmed: '', fulfilled: '', declined: '', outOfStock: '', cancelled: '' };
  const skus = { plenty: newSku('VERIFY'), scarce: newSku('VERIFY') };

  const sql = (service: 'order' | 'inventory' | 'payment', text: string, params: unknown[] = []) =>
    withClient(stack.databases[service].url, async (c) => (await c.query(text, params)).rows);

  beforeAll(async () => {
    stack = await startStack();
    conn = {
      databases: {
        order: stack.databases.order.url,
        inventory: stack.databases.inventory.url,
        payment: stack.databases.payment.url,
      },
      brokers: [stack.broker.address],
    };
    await createProduct(stack, skus.plenty, 100, 1299);
    await createProduct(stack, skus.scarce, 1, 500);

    ids.confirmed = await placeOrder(stack, [{ sku: skus.plenty, quantity: 2 }]);
    ids.fulfilled = await placeOrder(stack, [
      { sku: skus.plenty, quantity: 1 },
      { sku: skus.scarce, quantity: 1 },
    ]);
    ids.declined = await placeOrder(stack, [{ sku: skus.plenty, quantity: 1 }], DECLINED_CUSTOMER);
    ids.cancelled = await placeOrder(stack, [{ sku: skus.plenty, quantity: 3 }]);
    await orderReaches(stack, ids.fulfilled, 'CONFIRMED');
    ids.outOfStock = await placeOrder(stack, [{ sku: skus.scarce, quantity: 1 }]);
    expect((await stack.http('order', 'POST', `/orders/${ids.fulfilled}/fulfill`)).status).toBe(202);
    await orderReaches(stack, ids.cancelled, 'CONFIRMED');
    expect((await stack.http('order', 'POST', `/orders/${ids.cancelled}/cancel`)).status).toBe(200);

    await orderReaches(stack, ids.confirmed, 'CONFIRMED');
    await orderReaches(stack, ids.fulfilled, 'FULFILLED');
    await orderReaches(stack, ids.declined, 'CANCELLED');
    await orderReaches(stack, ids.outOfStock, 'CANCELLED');
    await orderReaches(stack, ids.cancelled, 'CANCELLED');
    await quiescent(stack);
    // Frozen from here on: no relay republishes a corrupted row, no consumer repairs anything behind the test.
    for (const s of ['order', 'inventory', 'payment'] as const) await stack.stopService(s);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** Applies a corruption, verifies, undoes it; returns the failing checks. */
  async function verifyWith(corrupt: () => Promise<() => Promise<void>>): Promise<Record<string, string[]>> {
    const undo = await corrupt();
    try {
      return failures(await verifySystem(conn));
    } finally {
      await undo();
    }
  }

  it('passes on a consistent world: confirmed, fulfilled, declined, out of stock and cancelled orders', async () => {
    const report = await verifySystem(conn);
    expect(failures(report)).toEqual({});
    expect(report.ok).toBe(true);
    expect(report.totals.byStatus).toEqual({ CONFIRMED: 1, FULFILLED: 1, CANCELLED: 3 });
    expect(report.checks.map((c) => c.name)).toEqual([
      'orders-settled',
      'no-lost-orders',
      'confirmed-is-backed',
      'cancelled-holds-no-money',
      'cancelled-holds-no-stock',
      'stock-conservation',
      'payment-at-most-once',
      'outbox-published',
      'dlq-explained',
    ]);
  });

  it('a CONFIRMED order whose payment row is gone fails confirmed-is-backed', async () => {
    const failed = await verifyWith(async () => {
      const [row] = await sql(
        'payment',
        'DELETE FROM payments WHERE order_id = $1 RETURNING to_jsonb(payments) AS r',
        [ids.confirmed],
      );
      return async () => {
        await sql('payment', 'INSERT INTO payments SELECT * FROM jsonb_populate_record(NULL::payments, $1)', [
          row.r,
        ]);
      };
    });
    expect(failed).toEqual({ 'confirmed-is-backed': [ids.confirmed] });
  });

  it('stock changed behind the ledger fails stock-conservation', async () => {
    const failed = await verifyWith(async () => {
      await sql('inventory', 'UPDATE stock_levels SET available = available + 3 WHERE sku = $1', [
        skus.plenty,
      ]);
      return async () => {
        await sql('inventory', 'UPDATE stock_levels SET available = available - 3 WHERE sku = $1', [
          skus.plenty,
        ]);
      };
    });
    expect(failed).toEqual({ 'stock-conservation': [skus.plenty] });
  });

  it('reserved units that no reservation accounts for fail stock-conservation', async () => {
    const failed = await verifyWith(async () => {
      const move =
        'UPDATE stock_levels SET available = available + $2, reserved = reserved - $2 WHERE sku = $1';
      await sql('inventory', move, [skus.plenty, -1]);
      return async () => {
        await sql('inventory', move, [skus.plenty, 1]);
      };
    });
    expect(failed).toEqual({ 'stock-conservation': [skus.plenty] });
  });

  it('an unpublished outbox row fails outbox-published', async () => {
    const [row] = await sql(
      'order',
      `SELECT event_id FROM outbox WHERE aggregate_id = $1 ORDER BY id LIMIT 1`,
      [ids.fulfilled],
    );
    const failed = await verifyWith(async () => {
      await sql('order', 'UPDATE outbox SET published_at = NULL WHERE event_id = $1', [row.event_id]);
      return async () => {
        await sql('order', 'UPDATE outbox SET published_at = now() WHERE event_id = $1', [row.event_id]);
      };
    });
    expect(failed).toEqual({ 'outbox-published': [row.event_id] });
  });

  it('a second capture fails payment-at-most-once', async () => {
    const failed = await verifyWith(async () => {
      const eventId = randomUUID();
      await sql(
        'payment',
        `INSERT INTO outbox (event_id, event_type, schema_version, aggregate_type, aggregate_id, topic, payload, published_at)
         SELECT $1, event_type, schema_version, aggregate_type, aggregate_id, topic, payload, now()
           FROM outbox WHERE aggregate_id = $2 AND event_type = 'PaymentCaptured'`,
        [eventId, ids.fulfilled],
      );
      return async () => {
        await sql('payment', 'DELETE FROM outbox WHERE event_id = $1', [eventId]);
      };
    });
    expect(failed).toEqual({ 'payment-at-most-once': [ids.fulfilled] });
  });

  it('a capture that is not the order total fails payment-at-most-once', async () => {
    const failed = await verifyWith(async () => {
      await sql('payment', 'UPDATE payments SET captured_amount = captured_amount - 1 WHERE order_id = $1', [
        ids.fulfilled,
      ]);
      return async () => {
        await sql('payment', 'UPDATE payments SET captured_amount = amount WHERE order_id = $1', [
          ids.fulfilled,
        ]);
      };
    });
    expect(failed).toEqual({ 'payment-at-most-once': [ids.fulfilled] });
  });

  it('money still authorized for a CANCELLED order fails cancelled-holds-no-money', async () => {
    const failed = await verifyWith(async () => {
      await sql('payment', `UPDATE payments SET status = 'AUTHORIZED' WHERE order_id = $1`, [ids.cancelled]);
      return async () => {
        await sql('payment', `UPDATE payments SET status = 'VOIDED' WHERE order_id = $1`, [ids.cancelled]);
      };
    });
    expect(failed).toEqual({ 'cancelled-holds-no-money': [ids.cancelled] });
  });

  it('stock still held for a CANCELLED order fails cancelled-holds-no-stock (the ledger itself balanced)', async () => {
    const failed = await verifyWith(async () => {
      await sql('inventory', `UPDATE reservations SET status = 'HELD' WHERE order_id = $1`, [ids.cancelled]);
      await sql(
        'inventory',
        'UPDATE stock_levels SET available = available - 3, reserved = reserved + 3 WHERE sku = $1',
        [skus.plenty],
      );
      return async () => {
        await sql('inventory', `UPDATE reservations SET status = 'RELEASED' WHERE order_id = $1`, [
          ids.cancelled,
        ]);
        await sql(
          'inventory',
          'UPDATE stock_levels SET available = available + 3, reserved = reserved - 3 WHERE sku = $1',
          [skus.plenty],
        );
      };
    });
    expect(failed).toEqual({ 'cancelled-holds-no-stock': [ids.cancelled] });
  });

  it('a PENDING order with nothing in flight fails orders-settled', async () => {
    const stuck = randomUUID();
    const failed = await verifyWith(async () => {
      await sql('order', `INSERT INTO orders (id, customer_id, status) VALUES ($1, $2, 'PENDING')`, [
        stuck,
        randomUUID(),
      ]);
      return async () => {
        await sql('order', 'DELETE FROM orders WHERE id = $1', [stuck]);
      };
    });
    expect(failed).toEqual({ 'orders-settled': [stuck] });
  });

  it('a payment for an order the order service does not have fails no-lost-orders', async () => {
    const lost = randomUUID();
    const failed = await verifyWith(async () => {
      await sql(
        'payment',
        `INSERT INTO payments (id, order_id, customer_id, amount, currency, status, decline_reason)
         VALUES ($1, $2, $3, 100, 'EUR', 'DECLINED', 'CARD_BLOCKED')`,
        [randomUUID(), lost, randomUUID()],
      );
      return async () => {
        await sql('payment', 'DELETE FROM payments WHERE order_id = $1', [lost]);
      };
    });
    expect(failed).toEqual({ 'no-lost-orders': [lost] });
  });

  it('a valid saga event on a DLQ that was never applied fails dlq-explained; a poison message does not', async () => {
    const kafka = createKafka({ brokers: [stack.broker.address], clientId: 'verify-spec' }, () => undefined);
    const publisher = new KafkaPublisher(kafka);
    const envelope = fixtureEnvelope('PaymentAuthorized', {
      eventId: randomUUID(),
      aggregateId: ids.confirmed,
    });
    const dlqHeaders = (consumer: string) => ({
      [DLQ_HEADERS.reason]: 'HANDLER.FAILED',
      [DLQ_HEADERS.error]: 'boom',
      [DLQ_HEADERS.consumer]: consumer,
      [DLQ_HEADERS.originalTopic]: TOPICS.payment,
      [DLQ_HEADERS.originalPartition]: '0',
      [DLQ_HEADERS.originalOffset]: '0',
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      [DLQ_HEADERS.attempts]: '4',
    });
    try {
      await publisher.publish([
        {
          topic: `${TOPICS.payment}.dlq`,
          key: ids.confirmed,
          value: '{"not":"an envelope"}',
          headers: { ...dlqHeaders('order-service'), [DLQ_HEADERS.reason]: 'CONTRACT.MALFORMED' },
        },
        {
          topic: `${TOPICS.payment}.dlq`,
          key: ids.confirmed,
          value: JSON.stringify(envelope),
          headers: {
            ...dlqHeaders('inventory-service'),
            [HEADERS.eventId]: envelope.eventId,
            [HEADERS.eventType]: envelope.eventType,
          },
        },
      ]);
    } finally {
      await publisher.disconnect();
    }
    const report = await verifySystem(conn);
    expect(failures(report)).toEqual({ 'dlq-explained': [envelope.eventId] });
    expect(report.checks.find((c) => c.name === 'dlq-explained')!.details[0]).toMatch(
      /unexplained DLQ message: the saga may be stuck/,
    );

    // Once the consumer applied it (as a replay would), the same message is explained.
    await sql(
      'inventory',
      `INSERT INTO processed_messages (consumer, event_id, event_type, topic, partition, "offset")
       VALUES ('inventory-service', $1, 'PaymentAuthorized', $2, 0, 0)`,
      [envelope.eventId, TOPICS.payment],
    );
    expect(failures(await verifySystem(conn))).toEqual({});
  });
});
