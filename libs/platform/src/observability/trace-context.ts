/** The parts of a W3C trace context (`traceparent`) that identify a span. */
export interface TraceContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

// version 00: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`; higher versions may append fields.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Parses a `traceparent` header (https://www.w3.org/TR/trace-context/#traceparent-header). Returns null for
 * anything malformed, for version ff, and for all-zero trace or span ids, which the spec declares invalid.
 */
export function parseTraceparent(value: string | null | undefined): TraceContext | null {
  if (typeof value !== 'string') return null;
  const m = TRACEPARENT.exec(value.trim());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}
