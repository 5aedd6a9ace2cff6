/**
 * Journal records -> the SDK's ReadableSpan shape that OTLPTraceExporter serialises. Built as
 * plain objects so that no SDK package is loaded for it (the type is erased at build time).
 */
import type { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { SpanRecord } from './SpanRecord.js';

export type ReadableSpanLike = Parameters<OTLPTraceExporter['export']>[0][number];
type Resource = ReadableSpanLike['resource'];

const hr = (ns: string): [number, number] => {
  const n = BigInt(ns);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
};

/** One resource object per (service, pid): the exporter groups spans by resource identity. */
export function makeResourceCache(): (r: SpanRecord['resource']) => Resource {
  const cache = new Map<string, Resource>();
  return (r) => {
    const key = `${r['service.name']}\u0000${r['process.pid']}`;
    let res = cache.get(key);
    if (!res) {
      const attributes = { 'service.name': r['service.name'], 'process.pid': r['process.pid'] };
      res = { attributes, asyncAttributesPending: false, waitForAsyncAttributes: async () => {}, merge: () => res!, getRawAttributes: () => Object.entries(attributes) } as unknown as Resource;
      cache.set(key, res);
    }
    return res;
  };
}

export function toReadableSpan(r: SpanRecord, resource: Resource): ReadableSpanLike {
  const start = hr(r.startTimeUnixNano);
  const end = hr(r.endTimeUnixNano);
  const durNs = BigInt(r.endTimeUnixNano) - BigInt(r.startTimeUnixNano);
  return {
    name: r.name,
    kind: r.kind,
    spanContext: () => ({ traceId: r.traceId, spanId: r.spanId, traceFlags: 1 }),
    ...(r.parentSpanId ? { parentSpanContext: { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: 1, isRemote: true } } : {}),
    startTime: start,
    endTime: end,
    duration: [Number(durNs / 1_000_000_000n), Number(durNs % 1_000_000_000n)],
    status: r.status.message ? { code: r.status.code, message: r.status.message } : { code: r.status.code },
    attributes: { ...r.attributes, 'sampling.rate': r.sampleRate },
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: { name: 'swarmfile', version: '0.1.0' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  } as ReadableSpanLike;
}
