import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CancellationReason, EnvelopeOf, EVENTS, EventType, fixtureEnvelope } from '@ordermesh/contracts';
import {
  inUnitOfWork,
  OutboxRows,
  PermanentHandlerError,
  Queryable,
  TransactionalUnits,
  withTransaction,
} from '@ordermesh/platform';
import { createTestDatabase, TestDatabase } from '@ordermesh/testing';
import { AuthorizePaymentWhenStockReserved } from '../src/application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';
import { CapturePaymentWhenFulfillmentRequested } from '../src/application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';
import type { PaymentUnitOfWork } from '../src/application/ports/payment-unit-of-work.port';
import { VoidOrRefundWhenOrderCancelled } from '../src/application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';
import { AuthorizationRequest, PaymentGateway } from '../src/domain/payment-gateway';
import {
  MOCK_GATEWAY_CUSTOMERS,
  MockPaymentGateway,
  mockAuthorizationRef,
} from '../src/infrastructure/gateway/mock-payment-gateway';
import { PaymentRun, SqlPaymentUnitOfWork } from '../src/infrastructure/sql/payment-unit-of-work';

const LIMIT = 100_000;
const clock = { now: () => new Date() };
const ids = { next: () => randomUUID() };
const producer = { service: 'payment' as const, aggregateType: 'payment' };

/** The mock gateway, recording every call. */
class RecordingGateway implements PaymentGateway {
  readonly calls: string[] = [];
  readonly refs: string[] = [];
  constructor(private readonly inner: PaymentGateway) {}
  async authorize(request: AuthorizationRequest) {
    this.calls.push('authorize');
    const res = await this.inner.authorize(request);
    if (res.approved) this.refs.push(res.ref);
    return res;
  }
  async void(ref: string) {
    this.calls.push('void');
    await this.inner.void(ref);
  }
  async capture(ref: string, amount: number) {
    this.calls.push(`capture:${amount}`);
    await this.inner.capture(ref, amount);
  }
  async refund(ref: string, amount: number) {
    this.calls.push(`refund:${amount}`);
    await this.inner.refund(ref, amount);
  }
}

function stockReserved(
  orderId: string,
  opts: { customerId?: string; amount?: number } = {},
): EnvelopeOf<'StockReserved'> {
  const amount = opts.amount ?? 2598;
  return fixtureEnvelope('StockReserved', {
    eventId: randomUUID(),
    aggregateId: orderId,
    correlationId: `saga-${orderId}`,
    payload: {
      orderId,
      customerId: opts.customerId ?? randomUUID(),
      reservationId: randomUUID(),
      lines: [{ sku: 'MUG-RED', quantity: 1, unitPrice: { amount, currency: 'EUR' } }],
      total: { amount, currency: 'EUR' },
      expiresAt: '2030-01-01T00:15:00.000Z',
    },
  });
}

function orderCancelled(
  orderId: string,
  reason: CancellationReason = 'CUSTOMER_REQUEST',
): EnvelopeOf<'OrderCancelled'> {
  return fixtureEnvelope('OrderCancelled', {
    eventId: randomUUID(),
    aggregateId: orderId,
    correlationId: `saga-${orderId}`,
    payload: { orderId, reason, previousStatus: 'CONFIRMED' },
  });
}

function fulfillmentRequested(orderId: string): EnvelopeOf<'OrderFulfillmentRequested'> {
  return fixtureEnvelope('OrderFulfillmentRequested', {
    eventId: randomUUID(),
    aggregateId: orderId,
    correlationId: `saga-${orderId}`,
    payload: { orderId },
  });
}

interface PaymentRow {
  id: string;
  customer_id: string;
  amount: string;
  currency: string;
  status: string;
  decline_reason: string | null;
  gateway_ref: string | null;
  captured_amount: string;
  refunded_amount: string;
}

interface OutboxRow {
  event_type: EventType;
  aggregate_type: string;
  aggregate_id: string;
  topic: string;
  schema_version: number;
  payload: {
    orderId: string;
    paymentId: string;
    amount?: { amount: number; currency: string };
    reason?: string;
  };
  headers: { correlationId: string; causationId: string | null; producer: string };
}

/**
 * Each reaction as the platform runs it, minus the inbox: one unit of work (one transaction) over the order it
 * claims, on the real SQL unit of work; the reaction's outcome and errors come back to the test.
 */
describe('payment saga reactions (real PostgreSQL)', () => {
  let db: TestDatabase;
  let pool: Pool;
  let gateway: RecordingGateway;
  let authorize: AuthorizePaymentWhenStockReserved;
  let cancel: VoidOrRefundWhenOrderCancelled;
  let capture: CapturePaymentWhenFulfillmentRequested;
  const store = new SqlPaymentUnitOfWork();

  beforeAll(async () => {
    db = await createTestDatabase('payment');
    pool = new Pool({ connectionString: db.url, max: 6 });
  });

  beforeEach(() => {
    gateway = new RecordingGateway(new MockPaymentGateway({ authorizationLimit: LIMIT, latencyMs: 0 }));
    authorize = new AuthorizePaymentWhenStockReserved(gateway, clock, ids);
    cancel = new VoidOrRefundWhenOrderCancelled(gateway, clock);
    capture = new CapturePaymentWhenFulfillmentRequested(gateway, clock);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  /** The event's reaction as one unit of work over what it claims (re-run whole on a serialization failure). */
  function react<T extends EventType, R>(
    reaction: { claims(e: EnvelopeOf<T>): string; react(e: EnvelopeOf<T>, w: PaymentUnitOfWork): Promise<R> },
    env: EnvelopeOf<T>,
    on: SqlPaymentUnitOfWork = store,
  ): Promise<R> {
    return new TransactionalUnits(pool, on, producer).run([reaction.claims(env)], (work) =>
      reaction.react(env, work),
    );
  }
  const onStockReserved = (env: EnvelopeOf<'StockReserved'>, uc = authorize) => react(uc, env);
  const onOrderCancelled = (env: EnvelopeOf<'OrderCancelled'>, uc = cancel) => react(uc, env);
  const onFulfillmentRequested = (env: EnvelopeOf<'OrderFulfillmentRequested'>) => react(capture, env);

  async function payments(orderId: string): Promise<PaymentRow[]> {
    const { rows } = await pool.query<PaymentRow>(
      `SELECT id, customer_id, amount, currency, status, decline_reason, gateway_ref, captured_amount, refunded_amount
         FROM payments WHERE order_id = $1`,
      [orderId],
    );
    return rows;
  }

  /** The order's outbox rows in publication order, each checked against its published contract. */
  async function outbox(orderId: string): Promise<OutboxRow[]> {
    const { rows } = await pool.query<OutboxRow>(
      `SELECT event_type, aggregate_type, aggregate_id, topic, schema_version, payload, headers FROM outbox WHERE aggregate_id = $1 ORDER BY id`,
      [orderId],
    );
    for (const row of rows) {
      const contract = EVENTS[row.event_type];
      expect(contract.payload.safeParse(row.payload).success).toBe(true);
      expect(row).toMatchObject({
        aggregate_type: 'payment',
        topic: 'payment.events',
        schema_version: contract.schemaVersion,
      });
      expect(row.headers).toMatchObject({ producer: 'payment', correlationId: `saga-${orderId}` });
    }
    return rows;
  }

  const types = async (orderId: string) => (await outbox(orderId)).map((r) => r.event_type);

  describe('StockReserved → authorize', () => {
    it('authorizes the total and emits PaymentAuthorized in the same transaction', async () => {
      const orderId = randomUUID();
      const env = stockReserved(orderId, { amount: 2598 });
      await expect(onStockReserved(env)).resolves.toBe('AUTHORIZED');

      const [payment, ...more] = await payments(orderId);
      expect(more).toEqual([]);
      expect(payment).toMatchObject({
        customer_id: env.payload.customerId,
        amount: '2598',
        currency: 'EUR',
        status: 'AUTHORIZED',
        decline_reason: null,
        gateway_ref: mockAuthorizationRef(orderId),
        captured_amount: '0',
        refunded_amount: '0',
      });
      const events = await outbox(orderId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        event_type: 'PaymentAuthorized',
        aggregate_id: orderId,
        payload: { orderId, paymentId: payment!.id, amount: { amount: 2598, currency: 'EUR' } },
        headers: { causationId: env.eventId },
      });
    });

    it.each([
      [MOCK_GATEWAY_CUSTOMERS.insufficientFunds, 'INSUFFICIENT_FUNDS'],
      [MOCK_GATEWAY_CUSTOMERS.cardBlocked, 'CARD_BLOCKED'],
      [MOCK_GATEWAY_CUSTOMERS.fraudSuspected, 'FRAUD_SUSPECTED'],
    ])('declines test customer %s: DECLINED %s and PaymentDeclined', async (customerId, reason) => {
      const orderId = randomUUID();
      await expect(onStockReserved(stockReserved(orderId, { customerId }))).resolves.toBe('DECLINED');
      const [payment] = await payments(orderId);
      expect(payment).toMatchObject({
        status: 'DECLINED',
        decline_reason: reason,
        gateway_ref: null,
        amount: '2598',
      });
      expect(await outbox(orderId)).toEqual([
        expect.objectContaining({
          event_type: 'PaymentDeclined',
          payload: { orderId, paymentId: payment!.id, reason },
        }),
      ]);
    });

    it('declines an amount above the authorization limit as INSUFFICIENT_FUNDS; the limit itself is fine', async () => {
      const over = randomUUID();
      await expect(onStockReserved(stockReserved(over, { amount: LIMIT + 1 }))).resolves.toBe('DECLINED');
      expect(await payments(over)).toEqual([
        expect.objectContaining({
          status: 'DECLINED',
          decline_reason: 'INSUFFICIENT_FUNDS',
          amount: String(LIMIT + 1),
        }),
      ]);
      expect(await types(over)).toEqual(['PaymentDeclined']);

      const at = randomUUID();
      await expect(onStockReserved(stockReserved(at, { amount: LIMIT }))).resolves.toBe('AUTHORIZED');
    });

    it('a second StockReserved for the same order creates no second payment and emits nothing', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId));
      await expect(onStockReserved(stockReserved(orderId))).resolves.toBe('SKIPPED_PAYMENT_EXISTS');
      expect(await payments(orderId)).toHaveLength(1);
      expect(await types(orderId)).toEqual(['PaymentAuthorized']);
      expect(gateway.calls).toEqual(['authorize']);
    });

    it('a declined order is not authorized on a second StockReserved either', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId, { customerId: MOCK_GATEWAY_CUSTOMERS.cardBlocked }));
      await expect(onStockReserved(stockReserved(orderId))).resolves.toBe('SKIPPED_PAYMENT_EXISTS');
      expect(await payments(orderId)).toEqual([expect.objectContaining({ status: 'DECLINED' })]);
      expect(await types(orderId)).toEqual(['PaymentDeclined']);
    });

    it('amounts are integer minor units: a fractional total is refused permanently, before the gateway, writing nothing', async () => {
      const orderId = randomUUID();
      const env = stockReserved(orderId);
      const bad = { ...env, payload: { ...env.payload, total: { amount: 25.98, currency: 'EUR' } } };
      await expect(onStockReserved(bad)).rejects.toBeInstanceOf(PermanentHandlerError);
      expect(gateway.calls).toEqual([]);
      expect(await payments(orderId)).toEqual([]);
      expect(await outbox(orderId)).toEqual([]);
    });

    it('keeps large amounts exact (BIGINT round trip, integer in the event)', async () => {
      const big = new AuthorizePaymentWhenStockReserved(
        new MockPaymentGateway({ authorizationLimit: Number.MAX_SAFE_INTEGER, latencyMs: 0 }),
        clock,
        ids,
      );
      const orderId = randomUUID();
      const amount = Number.MAX_SAFE_INTEGER;
      await onStockReserved(stockReserved(orderId, { amount }), big);
      expect((await payments(orderId))[0]!.amount).toBe(String(amount));
      const [event] = await outbox(orderId);
      expect(event!.payload.amount).toEqual({ amount, currency: 'EUR' });
      expect(Number.isInteger(event!.payload.amount!.amount)).toBe(true);
    });

    it('if the transaction fails after the gateway call, the retry gets the same authorization and still one payment', async () => {
      const orderId = randomUUID();
      let failures = 1;
      // The unit's write fails once, after the gateway authorized.
      class FlakyStore extends SqlPaymentUnitOfWork {
        override async flush(tx: Queryable, run: PaymentRun, outbox: OutboxRows): Promise<void> {
          if (failures-- > 0) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
          return super.flush(tx, run, outbox);
        }
      }
      // The unit is re-run whole on a serialization failure, as the event processor would.
      await expect(react(authorize, stockReserved(orderId), new FlakyStore())).resolves.toBe('AUTHORIZED');
      expect(gateway.calls).toEqual(['authorize', 'authorize']);
      expect(new Set(gateway.refs).size).toBe(1);
      expect(await payments(orderId)).toEqual([
        expect.objectContaining({ status: 'AUTHORIZED', gateway_ref: gateway.refs[0] }),
      ]);
      expect(await types(orderId)).toEqual(['PaymentAuthorized']);
    });
  });

  describe('OrderCancelled → void or refund', () => {
    it('voids an authorization: VOIDED and PaymentVoided for the held amount', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId, { amount: 1234 }));
      const env = orderCancelled(orderId);
      await expect(onOrderCancelled(env)).resolves.toEqual({ result: 'VOIDED' });

      const [payment] = await payments(orderId);
      expect(payment).toMatchObject({ status: 'VOIDED', captured_amount: '0', refunded_amount: '0' });
      const events = await outbox(orderId);
      expect(events.map((e) => e.event_type)).toEqual(['PaymentAuthorized', 'PaymentVoided']);
      expect(events[1]).toMatchObject({
        payload: { orderId, paymentId: payment!.id, amount: { amount: 1234, currency: 'EUR' } },
        headers: { causationId: env.eventId },
      });
      expect(gateway.calls).toEqual(['authorize', 'void']);
    });

    it('a cancellation before StockReserved is remembered: the later StockReserved authorizes nothing and emits nothing', async () => {
      const orderId = randomUUID();
      await expect(onOrderCancelled(orderCancelled(orderId, 'EXPIRED'))).resolves.toEqual({
        result: 'NO_PAYMENT',
      });
      const { rows } = await pool.query('SELECT reason FROM order_cancellations WHERE order_id = $1', [
        orderId,
      ]);
      expect(rows).toEqual([{ reason: 'EXPIRED' }]);

      await expect(onStockReserved(stockReserved(orderId))).resolves.toBe('SKIPPED_ORDER_CANCELLED');
      expect(gateway.calls).toEqual([]);
      expect(await payments(orderId)).toEqual([]);
      expect(await outbox(orderId)).toEqual([]);
    });

    it('refunds a capture: REFUNDED, refunded = captured, PaymentRefunded', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId, { amount: 4000 }));
      await onFulfillmentRequested(fulfillmentRequested(orderId));
      await expect(onOrderCancelled(orderCancelled(orderId))).resolves.toEqual({ result: 'REFUNDED' });

      expect(await payments(orderId)).toEqual([
        expect.objectContaining({ status: 'REFUNDED', captured_amount: '4000', refunded_amount: '4000' }),
      ]);
      const events = await outbox(orderId);
      expect(events.map((e) => e.event_type)).toEqual([
        'PaymentAuthorized',
        'PaymentCaptured',
        'PaymentRefunded',
      ]);
      expect(events[2]!.payload.amount).toEqual({ amount: 4000, currency: 'EUR' });
      expect(gateway.calls).toEqual(['authorize', 'capture:4000', 'refund:4000']);
    });

    it('a repeated cancellation changes nothing and keeps the first reason', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId));
      await onOrderCancelled(orderCancelled(orderId, 'CUSTOMER_REQUEST'));
      await expect(onOrderCancelled(orderCancelled(orderId, 'EXPIRED'))).resolves.toEqual({
        result: 'NOTHING_TO_UNDO',
        status: 'VOIDED',
      });
      expect(await types(orderId)).toEqual(['PaymentAuthorized', 'PaymentVoided']);
      const { rows } = await pool.query('SELECT reason FROM order_cancellations WHERE order_id = $1', [
        orderId,
      ]);
      expect(rows).toEqual([{ reason: 'CUSTOMER_REQUEST' }]);
    });

    it('a declined payment has nothing to undo (the order was cancelled because of it)', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId, { customerId: MOCK_GATEWAY_CUSTOMERS.insufficientFunds }));
      await expect(onOrderCancelled(orderCancelled(orderId, 'PAYMENT_DECLINED'))).resolves.toEqual({
        result: 'NOTHING_TO_UNDO',
        status: 'DECLINED',
      });
      expect(await types(orderId)).toEqual(['PaymentDeclined']);
      expect(gateway.calls).toEqual(['authorize']);
    });

    it('a request the gateway refuses is permanent (dead-letter, no retry) and writes nothing', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId));
      await pool.query(`UPDATE payments SET gateway_ref = 'not-a-reference' WHERE order_id = $1`, [orderId]);
      await expect(onOrderCancelled(orderCancelled(orderId))).rejects.toMatchObject({
        constructor: PermanentHandlerError,
        reason: 'PAYMENT.GATEWAY_REQUEST_REFUSED',
      });
      expect(await payments(orderId)).toEqual([expect.objectContaining({ status: 'AUTHORIZED' })]);
      expect(await types(orderId)).toEqual(['PaymentAuthorized']);
      const { rows } = await pool.query('SELECT 1 FROM order_cancellations WHERE order_id = $1', [orderId]);
      expect(rows).toEqual([]);
    });

    it('a cancellation racing an authorization in flight still voids it (the order lock serializes them)', async () => {
      const slow = new RecordingGateway(
        new MockPaymentGateway({ authorizationLimit: LIMIT, latencyMs: 300 }),
      );
      const orderId = randomUUID();
      const authorizing = onStockReserved(
        stockReserved(orderId),
        new AuthorizePaymentWhenStockReserved(slow, clock, ids),
      );
      await new Promise((r) => setTimeout(r, 100)); // the authorization holds the order lock and waits for the gateway
      const cancelling = onOrderCancelled(
        orderCancelled(orderId),
        new VoidOrRefundWhenOrderCancelled(gateway, clock),
      );
      await expect(authorizing).resolves.toBe('AUTHORIZED');
      await expect(cancelling).resolves.toEqual({ result: 'VOIDED' });
      expect(await payments(orderId)).toEqual([expect.objectContaining({ status: 'VOIDED' })]);
      expect(await types(orderId)).toEqual(['PaymentAuthorized', 'PaymentVoided']);
    });

    it('an authorization arriving while a cancellation is in flight authorizes nothing', async () => {
      const orderId = randomUUID();
      const env = orderCancelled(orderId);
      // Hold the cancellation's transaction open after its unit of work wrote the cancellation.
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const cancelling = withTransaction(pool, async (tx) => {
        const out = await inUnitOfWork(tx, store, producer, [cancel.claims(env)], (work) =>
          cancel.react(env, work),
        );
        await held;
        return out;
      });
      await new Promise((r) => setTimeout(r, 100));
      const authorizing = onStockReserved(stockReserved(orderId));
      await new Promise((r) => setTimeout(r, 100));
      release();
      await expect(cancelling).resolves.toEqual({ result: 'NO_PAYMENT' });
      await expect(authorizing).resolves.toBe('SKIPPED_ORDER_CANCELLED');
      expect(await payments(orderId)).toEqual([]);
      expect(gateway.calls).toEqual([]);
    });
  });

  describe('OrderFulfillmentRequested → capture', () => {
    it('captures the full amount: CAPTURED, captured = amount, PaymentCaptured', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId, { amount: 999 }));
      const env = fulfillmentRequested(orderId);
      await expect(onFulfillmentRequested(env)).resolves.toEqual({ result: 'CAPTURED' });

      const [payment] = await payments(orderId);
      expect(payment).toMatchObject({
        status: 'CAPTURED',
        amount: '999',
        captured_amount: '999',
        refunded_amount: '0',
      });
      const events = await outbox(orderId);
      expect(events.map((e) => e.event_type)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
      expect(events[1]).toMatchObject({
        payload: { orderId, paymentId: payment!.id, amount: { amount: 999, currency: 'EUR' } },
        headers: { causationId: env.eventId },
      });
    });

    it('never captures twice: a second request emits nothing and does not call the gateway', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId));
      await onFulfillmentRequested(fulfillmentRequested(orderId));
      await expect(onFulfillmentRequested(fulfillmentRequested(orderId))).resolves.toEqual({
        result: 'NOT_CAPTURABLE',
        status: 'CAPTURED',
      });
      expect(await types(orderId)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
      expect(gateway.calls).toEqual(['authorize', 'capture:2598']);
      expect(await payments(orderId)).toEqual([
        expect.objectContaining({ status: 'CAPTURED', captured_amount: '2598' }),
      ]);
    });

    it('never captures twice, even when both requests run at once', async () => {
      const orderId = randomUUID();
      await onStockReserved(stockReserved(orderId));
      const outcomes = await Promise.all([
        onFulfillmentRequested(fulfillmentRequested(orderId)),
        onFulfillmentRequested(fulfillmentRequested(orderId)),
      ]);
      expect(outcomes.map((o) => o.result).sort()).toEqual(['CAPTURED', 'NOT_CAPTURABLE']);
      expect(await types(orderId)).toEqual(['PaymentAuthorized', 'PaymentCaptured']);
    });

    it.each([
      [
        'a voided',
        async (orderId: string) => {
          await onStockReserved(stockReserved(orderId));
          await onOrderCancelled(orderCancelled(orderId));
        },
        'VOIDED',
      ],
      [
        'a declined',
        async (orderId: string) => {
          await onStockReserved(
            stockReserved(orderId, { customerId: MOCK_GATEWAY_CUSTOMERS.fraudSuspected }),
          );
        },
        'DECLINED',
      ],
    ] as const)('does not capture %s payment', async (_label, arrange, status) => {
      const orderId = randomUUID();
      await arrange(orderId);
      const before = await types(orderId);
      await expect(onFulfillmentRequested(fulfillmentRequested(orderId))).resolves.toEqual({
        result: 'NOT_CAPTURABLE',
        status,
      });
      expect(await types(orderId)).toEqual(before);
      expect(gateway.calls.some((c) => c.startsWith('capture'))).toBe(false);
    });

    it('does nothing when the order has no payment', async () => {
      const orderId = randomUUID();
      await expect(onFulfillmentRequested(fulfillmentRequested(orderId))).resolves.toEqual({
        result: 'NO_PAYMENT',
      });
      expect(await outbox(orderId)).toEqual([]);
    });
  });
});
