// Kept apart from tracing.ts so config modules can name these without loading the SDK.

/** none: trace context is created and propagated (trace ids in logs, headers and the timeline); no span is recorded. */
export const TRACE_EXPORTERS = ['none', 'otlp', 'console', 'memory'] as const;
export type TraceExporterKind = (typeof TRACE_EXPORTERS)[number];

export interface TracingOptions {
  /** false: no SDK at all; the OpenTelemetry API stays a no-op (no trace context anywhere). */
  enabled: boolean;
  service: string;
  exporter: TraceExporterKind;
  /** OTLP/HTTP base URL, e.g. http://otel-collector:4318 (spans go to `<url>/v1/traces`). */
  otlpEndpoint: string;
  /** Share of new traces recorded (a saga's later spans follow its root's decision). */
  sampleRatio: number;
}
