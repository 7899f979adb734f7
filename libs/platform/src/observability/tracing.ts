import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  NoopSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { TracingOptions } from './tracing-options';

/**
 * The OpenTelemetry SDK of one service process. This module must be loaded, and `startTracing` called, before `pg`
 * is required: its instrumentation patches the module as it loads (see each app's main.ts). It imports nothing
 * from the rest of the platform for that reason. HTTP server spans and Kafka spans are made by the platform itself
 * (http/server-spans.ts, the outbox relay, the event processor).
 */

let sdk: NodeSDK | null = null;
let memory: InMemorySpanExporter | null = null;

export function startTracing(opts: TracingOptions): void {
  if (!opts.enabled || sdk) return;
  const processor = spanProcessorFor(opts);
  sdk = new NodeSDK({
    resource: resourceFromAttributes({ 'service.name': opts.service, 'service.namespace': 'ordermesh' }),
    autoDetectResources: false,
    spanProcessors: [processor],
    // Exporter none: spans are not recorded (near-zero cost) yet still get ids and propagate, so logs, Kafka headers
    // and the order timeline keep their trace ids.
    sampler: new ParentBasedSampler({
      root:
        opts.exporter === 'none' ? new AlwaysOffSampler() : new TraceIdRatioBasedSampler(opts.sampleRatio),
    }),
    textMapPropagator: new W3CTraceContextPropagator(),
    // Traces only: metrics are Prometheus (/metrics), logs are pino on stdout.
    metricReaders: [],
    logRecordProcessors: [],
    // Query spans only when spans are kept: with exporter none they would be made and dropped on every query. Only
    // queries inside a traced unit of work (request, consumed event, publish): no orphan polling spans.
    instrumentations: opts.exporter === 'none' ? [] : [new PgInstrumentation({ requireParentSpan: true })],
  });
  sdk.start();
}

function spanProcessorFor(opts: TracingOptions): SpanProcessor {
  switch (opts.exporter) {
    case 'otlp':
      return new BatchSpanProcessor(
        new OTLPTraceExporter({ url: `${opts.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }),
      );
    case 'console':
      return new SimpleSpanProcessor(new ConsoleSpanExporter());
    case 'memory':
      memory = new InMemorySpanExporter();
      return new SimpleSpanProcessor(memory);
    case 'none':
      return new NoopSpanProcessor();
  }
}

/** Finished spans kept by the `memory` exporter (tests assert trace shapes with it). */
export function memorySpanExporter(): InMemorySpanExporter {
  if (!memory) throw new Error('tracing was not started with the memory exporter');
  return memory;
}

/** Flushes pending spans and stops the SDK (at process shutdown). */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = null;
  await running?.shutdown();
}
