/**
 * Per-operation statistics over journal spans, re-weighted for sampling: a span kept with
 * probability r stands for 1/r operations, so counts, rates and percentiles estimate all
 * operations, not just the kept ones.
 */
import type { SpanRecord } from './SpanRecord.js';

export interface Distribution {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface OperationStats {
  operation: string;
  /** Spans in the journal. */
  spans: number;
  /** Estimated operations (sum of 1/sampleRate). */
  count: number;
  errors: number;
  successRate: number;
  /** Estimated operations per second over the window. */
  throughputPerSec: number;
  latencyMs: Distribution;
  lockWaitMs: Distribution;
  lockRetries: number;
  errorCodes: Record<string, number>;
}

export interface StatsFilter {
  sinceMs?: number;
  untilMs?: number;
  operation?: string;
}

const startMs = (r: SpanRecord) => Number(BigInt(r.startTimeUnixNano) / 1_000_000n);
export const operationOf = (r: SpanRecord) => String(r.attributes['swarmfile.operation'] ?? r.name.replace(/^swarmfile\./, ''));

export function matchesFilter(r: SpanRecord, f: StatsFilter): boolean {
  const t = startMs(r);
  if (f.sinceMs !== undefined && t < f.sinceMs) return false;
  if (f.untilMs !== undefined && t >= f.untilMs) return false;
  return f.operation === undefined || operationOf(r) === f.operation;
}

function weightedQuantiles(pairs: [number, number][]): Distribution {
  if (pairs.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  pairs.sort((a, b) => a[0] - b[0]);
  const total = pairs.reduce((s, p) => s + p[1], 0);
  const q = (p: number) => {
    let acc = 0;
    for (const [v, w] of pairs) {
      acc += w;
      if (acc >= p * total - 1e-9) return v;
    }
    return pairs[pairs.length - 1]![0];
  };
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(pairs[pairs.length - 1]![0]) };
}

export function computeStats(spans: readonly SpanRecord[], window?: { fromMs: number; toMs: number }): { window: { from: string; to: string }; operations: OperationStats[] } {
  const groups = new Map<string, SpanRecord[]>();
  let first = Infinity;
  let last = -Infinity;
  for (const r of spans) {
    const op = operationOf(r);
    (groups.get(op) ?? groups.set(op, []).get(op)!).push(r);
    first = Math.min(first, startMs(r));
    last = Math.max(last, Number(BigInt(r.endTimeUnixNano) / 1_000_000n));
  }
  const fromMs = window?.fromMs ?? (Number.isFinite(first) ? first : Date.now());
  const toMs = window?.toMs ?? (Number.isFinite(last) ? last : fromMs);
  const seconds = Math.max((toMs - fromMs) / 1000, 0.001);
  const operations = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([operation, rs]): OperationStats => {
      let count = 0;
      let errors = 0;
      let lockRetries = 0;
      const errorCodes: Record<string, number> = {};
      const lat: [number, number][] = [];
      const wait: [number, number][] = [];
      for (const r of rs) {
        const w = r.sampleRate > 0 ? 1 / r.sampleRate : 1;
        count += w;
        if (r.status.code === 2) {
          errors += w;
          const code = r.status.message ?? 'UNKNOWN';
          errorCodes[code] = (errorCodes[code] ?? 0) + w;
        }
        lat.push([r.durationMs, w]);
        wait.push([Number(r.attributes['lock.wait_ms'] ?? 0), w]);
        lockRetries += Number(r.attributes['lock.retries'] ?? 0) * w;
      }
      return {
        operation,
        spans: rs.length,
        count: Math.round(count * 100) / 100,
        errors: Math.round(errors * 100) / 100,
        successRate: count > 0 ? Math.round(((count - errors) / count) * 10000) / 10000 : 1,
        throughputPerSec: Math.round((count / seconds) * 1000) / 1000,
        latencyMs: weightedQuantiles(lat),
        lockWaitMs: weightedQuantiles(wait),
        lockRetries: Math.round(lockRetries),
        errorCodes,
      };
    });
  return { window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }, operations };
}

/** `--since`/`--until`: an ISO date, or a duration ago (`90s`, `15m`, `2h`, `7d`). NaN when unreadable. */
export function parseTimeArg(value: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Date.parse(value);
}
