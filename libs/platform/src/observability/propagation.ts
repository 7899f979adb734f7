import { AsyncLocalStorage } from 'node:async_hooks';
import {
  Context,
  context,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  Tracer,
} from '@opentelemetry/api';

/**
 * Trace context and log fields as they cross process boundaries: HTTP → outbox row → Kafka headers → consumer → the
 * next outbox row. Only the OpenTelemetry API is used here (a no-op when the SDK is not started), so messaging code
 * never depends on how, or whether, spans are exported.
 */

export const TRACER_NAME = 'ordermesh';

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The W3C headers of the active span (empty when there is none, e.g. tracing is off). */
export function activeTraceCarrier(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  const out: TraceCarrier = {};
  if (carrier.traceparent) out.traceparent = carrier.traceparent;
  if (carrier.tracestate) out.tracestate = carrier.tracestate;
  return out;
}

/** A context whose parent is the span described by `carrier` (the root context when it carries none). */
export function contextFrom(carrier: TraceCarrier | Record<string, string | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier, {
    get: (c, key) => (c as Record<string, string | undefined>)[key],
    keys: (c) => Object.keys(c),
  });
}

/** The active span's ids, for log lines and read models. */
export function activeSpanIds(): { traceId: string; spanId: string } | null {
  const span = trace.getActiveSpan();
  if (!span) return null;
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { traceId, spanId } : null;
}

/**
 * Continues an earlier trace from new work (e.g. a customer's cancel continues the saga its order started): returns
 * the W3C traceparent naming `parent` — events built with it join that trace — and links the active span (the
 * request's own trace) to it. Undefined when there is no parent.
 */
export function continueTrace(parent: { traceId: string; spanId: string } | null): string | undefined {
  if (!parent) return undefined;
  const active = trace.getActiveSpan();
  // The request's sampling decision; with no request span (work started outside HTTP), keep the saga sampled.
  const traceFlags = active?.spanContext().traceFlags ?? TraceFlags.SAMPLED;
  const linked = { traceId: parent.traceId, spanId: parent.spanId, traceFlags, isRemote: true };
  if (!trace.isSpanContextValid(linked)) return undefined;
  active?.addLink({ context: linked, attributes: { 'ordermesh.link': 'continues' } });
  return `00-${parent.traceId}-${parent.spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
}

/** Marks a span failed with the error, without ending it. */
export function recordFailure(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : new Error(String(err)));
  span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message ?? String(err) });
}

/** Runs `fn` inside a new active span, ending it (and recording a failure) when `fn` settles. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = opts.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: opts.kind, attributes: opts.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Fields every log line written inside a unit of work carries (orderId, eventId, eventType, correlationId). Kept in
 * its own AsyncLocalStorage so log correlation works whether or not tracing is on.
 */
export type LogFields = Record<string, string | number | undefined>;
const logFields = new AsyncLocalStorage<LogFields>();

export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return logFields.run({ ...logFields.getStore(), ...fields }, fn);
}

export function currentLogFields(): LogFields | undefined {
  return logFields.getStore();
}

export { SpanKind };
