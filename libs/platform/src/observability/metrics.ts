import { Controller, DynamicModule, Get, Global, Header, Inject, Injectable, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_SERVICE = Symbol('METRICS_SERVICE');

/**
 * The service's Prometheus metrics, on its own registry (three services can share one process in tests).
 * Names match infra/grafana/dashboards/ordermesh-saga.json.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'route' | 'method' | 'status_code'>;
  readonly ordersPlaced: Counter;
  readonly ordersConfirmed: Counter;
  readonly ordersCancelled: Counter<'reason'>;
  readonly ordersFulfilled: Counter;
  readonly sagaDuration: Histogram<'outcome'>;
  readonly outboxBacklog: Gauge;
  readonly outboxLag: Histogram;
  readonly outboxPublished: Counter<'event_type'>;
  readonly consumerHandled: Counter<'event_type' | 'outcome'>;
  readonly consumerDuration: Histogram<'event_type'>;
  readonly consumerErrors: Counter<'event_type'>;
  readonly consumerRetries: Counter<'event_type'>;
  readonly consumerDeferrals: Counter<'event_type' | 'reason'>;
  readonly dlqMessages: Counter<'topic' | 'reason'>;
  readonly chaosToggle: Gauge<'toggle'>;
  readonly chaosFaults: Counter<'fault'>;

  constructor(@Inject(METRICS_SERVICE) service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const r = [this.registry];
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['route', 'method', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    });
    this.ordersPlaced = new Counter({
      name: 'ordermesh_orders_placed_total',
      help: 'Orders placed (OrderPlaced published)',
      registers: r,
    });
    this.ordersConfirmed = new Counter({
      name: 'ordermesh_orders_confirmed_total',
      help: 'Orders confirmed (OrderConfirmed published)',
      registers: r,
    });
    this.ordersCancelled = new Counter({
      name: 'ordermesh_orders_cancelled_total',
      help: 'Orders cancelled, by reason (OrderCancelled published)',
      labelNames: ['reason'],
      registers: r,
    });
    this.ordersFulfilled = new Counter({
      name: 'ordermesh_orders_fulfilled_total',
      help: 'Orders fulfilled (OrderFulfilled published)',
      registers: r,
    });
    this.sagaDuration = new Histogram({
      name: 'ordermesh_saga_duration_seconds',
      help: 'Time from OrderPlaced to the order reaching an outcome (confirmed, cancelled, fulfilled)',
      labelNames: ['outcome'],
      // 10 ms (an immediate decline) up to the 15-minute reservation expiry and a slow fulfilment beyond it.
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800],
      registers: r,
    });
    this.outboxBacklog = new Gauge({
      name: 'ordermesh_outbox_backlog',
      help: 'Unpublished outbox rows at the last check',
      registers: r,
    });
    this.outboxLag = new Histogram({
      name: 'ordermesh_outbox_publish_lag_seconds',
      help: 'Time from outbox commit to broker acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    });
    this.outboxPublished = new Counter({
      name: 'ordermesh_outbox_published_total',
      help: 'Events published by the outbox relay',
      labelNames: ['event_type'],
      registers: r,
    });
    this.consumerHandled = new Counter({
      name: 'ordermesh_consumer_handled_total',
      help: 'Consumed messages by event type and outcome (handled, duplicate, ignored, dead-lettered)',
      labelNames: ['event_type', 'outcome'],
      registers: r,
    });
    this.consumerDuration = new Histogram({
      name: 'ordermesh_consumer_handling_seconds',
      help: 'Time to handle one consumed message',
      labelNames: ['event_type'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: r,
    });
    this.consumerErrors = new Counter({
      name: 'ordermesh_consumer_errors_total',
      help: 'Messages that failed for good (dead-lettered after a handler error)',
      labelNames: ['event_type'],
      registers: r,
    });
    this.consumerRetries = new Counter({
      name: 'ordermesh_consumer_retries_total',
      help: 'Handler attempts that failed and were retried',
      labelNames: ['event_type'],
      registers: r,
    });
    this.consumerDeferrals = new Counter({
      name: 'ordermesh_consumer_deferrals_total',
      help: 'Waits of an event on an unavailable dependency (RetryLaterError), outside the retry budget',
      labelNames: ['event_type', 'reason'],
      registers: r,
    });
    this.dlqMessages = new Counter({
      name: 'ordermesh_dlq_messages_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['topic', 'reason'],
      registers: r,
    });
    this.chaosToggle = new Gauge({
      name: 'ordermesh_chaos_toggle',
      help: 'Current value of each chaos toggle (booleans as 0/1); absent when chaos is disabled',
      labelNames: ['toggle'],
      registers: r,
    });
    this.chaosFaults = new Counter({
      name: 'ordermesh_chaos_faults_injected_total',
      help: 'Faults injected by the chaos toggles, by fault',
      labelNames: ['fault'],
      registers: r,
    });
  }

  /** Business counters follow what the relay actually published (at-least-once, like the events themselves). */
  recordPublished(rows: { eventType: string; createdAt: Date; payload: unknown }[]): void {
    const now = Date.now();
    for (const row of rows) {
      this.outboxPublished.inc({ event_type: row.eventType });
      this.outboxLag.observe(Math.max(0, now - row.createdAt.getTime()) / 1000);
      if (row.eventType === 'OrderPlaced') this.ordersPlaced.inc();
      else if (row.eventType === 'OrderConfirmed') this.ordersConfirmed.inc();
      else if (row.eventType === 'OrderFulfilled') this.ordersFulfilled.inc();
      else if (row.eventType === 'OrderCancelled') {
        this.ordersCancelled.inc({
          reason: String((row.payload as { reason?: unknown })?.reason ?? 'UNKNOWN'),
        });
      }
      this.observeSagaDuration(row);
    }
  }

  private observeSagaDuration(row: { eventType: string; createdAt: Date; payload: unknown }): void {
    const outcome = SAGA_OUTCOMES[row.eventType];
    // placedAt is optional in the contract: events committed before it existed are not measured.
    const placedAt = Date.parse(String((row.payload as { placedAt?: unknown })?.placedAt));
    if (!outcome || Number.isNaN(placedAt)) return;
    this.sagaDuration.observe({ outcome }, Math.max(0, row.createdAt.getTime() - placedAt) / 1000);
  }
}

/** The published events that end a saga stage, and the `outcome` label each one is measured under. */
const SAGA_OUTCOMES: Record<string, string> = {
  OrderConfirmed: 'confirmed',
  OrderCancelled: 'cancelled',
  OrderFulfilled: 'fulfilled',
};

@ApiExcludeController()
@Controller('metrics')
class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

@Global()
@Module({})
export class MetricsModule {
  static forRoot(service: string): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [{ provide: METRICS_SERVICE, useValue: service }, Metrics],
      exports: [Metrics],
    };
  }
}
