import { randomUUID } from 'node:crypto';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { memorySpanExporter, startTracing } from '@ordermesh/platform/observability/tracing';
import { eventually, SagaStack } from '@ordermesh/testing';
import { createProduct, DECLINED_CUSTOMER, newSku, orderReaches } from './saga-helpers';
import { startStack } from './stack';

// Before the stack: the apps' spans go to the in-memory exporter of this test process.
startTracing({
  enabled: true,
  service: 'e2e',
  exporter: 'memory',
  otlpEndpoint: 'http://unused',
  sampleRatio: 1,
});

const eventTypeOf = (s: ReadableSpan) => s.attributes['ordermesh.event_type'];

/**
 * The shape of a compensating saga's trace, from the in-memory exporter: every publish and consume of the order's
 * events — the failure and its compensations included — hangs off the one trace the request started, each consume
 * span a child of the producer span that published its event.
 */
describe('saga trace shape (in-memory exporter)', () => {
  let stack: SagaStack;

  beforeAll(async () => {
    stack = await startStack({ inventory: { RESERVATION_TTL_MS: '3000', EXPIRY_SWEEP_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Places an order under a client span of the test and returns the order id and the trace id. */
  async function placeTraced(customerId: string, sku: string): Promise<{ orderId: string; traceId: string }> {
    // The test plays an instrumented caller: its span goes out as the request's traceparent header.
    const clientSpan = trace.getTracer('e2e').startSpan('client: place order', { kind: SpanKind.CLIENT });
    const headers: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), clientSpan), headers);
    const placed = await stack.http<{ id: string }>(
      'order',
      'POST',
      '/orders',
      { customerId, items: [{ sku, quantity: 1 }] },
      headers,
    );
    clientSpan.end();
    expect(placed.status).toBe(201);
    return { orderId: placed.body.id, traceId: clientSpan.spanContext().traceId };
  }

  const spansOfOrder = (orderId: string) =>
    memorySpanExporter()
      .getFinishedSpans()
      .filter((s) => s.attributes['ordermesh.aggregate_id'] === orderId);

  it('a declined order: request, reservation, decline, cancellation and stock release form one trace', async () => {
    const sku = newSku('TRACE');
    await createProduct(stack, sku, 5);
    const { orderId, traceId } = await placeTraced(DECLINED_CUSTOMER, sku);
    await orderReaches(stack, orderId, 'CANCELLED');

    const ofOrder = () => spansOfOrder(orderId);
    // The last compensation: the order service records StockReleased.
    await eventually(
      async () =>
        ofOrder().some((s) => s.kind === SpanKind.CONSUMER && eventTypeOf(s) === 'StockReleased')
          ? true
          : undefined,
      10_000,
      'the StockReleased consume span',
    );
    const spans = ofOrder();
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

    const consumed = spans.filter((s) => s.kind === SpanKind.CONSUMER).map(eventTypeOf);
    for (const type of [
      'OrderPlaced',
      'StockReserved',
      'PaymentDeclined',
      'OrderCancelled',
      'StockReleased',
    ]) {
      expect(consumed).toContain(type);
    }
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    for (const consume of spans.filter((s) => s.kind === SpanKind.CONSUMER)) {
      const parent = byId.get(consume.parentSpanContext?.spanId ?? '');
      expect({
        consumer: eventTypeOf(consume),
        parentKind: parent?.kind,
        parentEvent: parent && eventTypeOf(parent),
      }).toEqual({
        consumer: eventTypeOf(consume),
        parentKind: SpanKind.PRODUCER,
        parentEvent: eventTypeOf(consume),
      });
    }
    // The order service's server span is the client's child, and OrderPlaced's producer span hangs off it.
    const server = memorySpanExporter()
      .getFinishedSpans()
      .find(
        (s) => s.kind === SpanKind.SERVER && s.name === 'POST /orders' && s.spanContext().traceId === traceId,
      );
    expect(server).toBeDefined();
    const placedPublish = spans.find(
      (s) => s.kind === SpanKind.PRODUCER && eventTypeOf(s) === 'OrderPlaced',
    )!;
    expect(placedPublish.parentSpanContext?.traceId).toBe(traceId);
  });

  it("a customer's cancel after confirmation continues the saga's trace: void and release join it", async () => {
    const sku = newSku('TRACE');
    await createProduct(stack, sku, 5);
    const { orderId, traceId } = await placeTraced(randomUUID(), sku);
    await orderReaches(stack, orderId, 'CONFIRMED');
    // The cancel is a new request (its own trace, as a caller would make it).
    const cancelled = await stack.http('order', 'POST', `/orders/${orderId}/cancel`);
    expect(cancelled.status).toBe(200);
    await eventually(
      async () =>
        ['PaymentVoided', 'StockReleased'].every((type) =>
          spansOfOrder(orderId).some((s) => s.kind === SpanKind.CONSUMER && eventTypeOf(s) === type),
        )
          ? true
          : undefined,
      10_000,
      'the compensations to be consumed',
    );
    const spans = spansOfOrder(orderId);
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    const timeline = await stack.http<{ traceIds: string[] }>('order', 'GET', `/orders/${orderId}/timeline`);
    expect(timeline.body.traceIds).toEqual([traceId]);
  });

  it('an expired reservation: the expiry, which no event causes, continues the saga trace', async () => {
    const sku = newSku('TRACE');
    await createProduct(stack, sku, 5);
    await stack.stopService('payment');
    try {
      const { orderId, traceId } = await placeTraced(randomUUID(), sku);
      await orderReaches(stack, orderId, 'CANCELLED', 20_000);
      const expiredConsumed = await eventually(
        async () =>
          spansOfOrder(orderId).find(
            (s) => s.kind === SpanKind.CONSUMER && eventTypeOf(s) === 'ReservationExpired',
          ),
        10_000,
        'the ReservationExpired consume span',
      );
      expect(expiredConsumed.spanContext().traceId).toBe(traceId);
      expect(new Set(spansOfOrder(orderId).map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));
    } finally {
      await stack.startService('payment');
    }
  });
});
