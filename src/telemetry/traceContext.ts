/** W3C trace-context (https://www.w3.org/TR/trace-context/): `00-<trace-id>-<parent-id>-<flags>`. */

export interface TraceParent {
  traceId: string;
  spanId: string;
  /** The caller sampled its span (flag 01). */
  sampled: boolean;
}

const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** Null when absent or malformed (a bad TRACEPARENT starts a new trace rather than failing). */
export function parseTraceparent(value: string | undefined): TraceParent | null {
  if (!value) return null;
  const m = TRACEPARENT_RE.exec(value.trim().toLowerCase());
  if (!m) return null;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest)) return null;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return null;
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

// Math.random, like OpenTelemetry JS's RandomIdGenerator: ids need uniqueness, not secrecy, and
// loading node:crypto would cost every CLI call.
function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return /^0+$/.test(s) ? randomHex(bytes) : s;
}

export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);
