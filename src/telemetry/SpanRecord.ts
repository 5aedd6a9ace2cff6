import type { AttrValue } from './Tracer.js';

/**
 * One span as stored in the journal (the JSON payload of a frame). Field names follow
 * OpenTelemetry's data model; times are nanoseconds since the epoch as decimal strings (they
 * exceed 2^53).
 */
export interface SpanRecord {
  /** Record format version. */
  v: 1;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OpenTelemetry SpanKind: 0 INTERNAL. */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  durationMs: number;
  /** OpenTelemetry status code: 1 OK, 2 ERROR. */
  status: { code: 1 | 2; message?: string };
  attributes: Record<string, AttrValue>;
  /** Probability a span like this one was kept; weight = 1 / rate. */
  sampleRate: number;
  /** Kept by SAMPLING_CRITICAL_ALWAYS (failed or slow), whatever the sampler said. */
  critical?: boolean;
  traceState?: string;
  resource: { 'service.name': string; 'process.pid': number };
}

export function isSpanRecord(v: unknown): v is SpanRecord {
  const r = v as SpanRecord | null;
  return !!r && typeof r === 'object' && r.v === 1 && typeof r.traceId === 'string' && typeof r.spanId === 'string' && typeof r.name === 'string';
}
