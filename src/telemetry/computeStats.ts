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
  /** Time of the work itself: the span's duration less any waiting for work (`wait_ms`). */
  latencyMs: Distribution;
  lockWaitMs: Distribution;
  /** Waiting for work (claim-next --wait), apart from the work. */
  waitMs: Distribution;
  /** CLI process start-up before the operation (`cli.startup_ms`; spans of library calls have none). */
  startupMs: Distribution;
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

/** A growable column of numbers: 8 bytes a value, where a kept span record costs about 1 KB. */
class Column {
  private data = new Float64Array(64);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  at(i: number): number {
    return this.data[i]!;
  }
}

/** Weighted quantiles of (value, weight) columns, exact. */
function weightedQuantiles(values: Column, weights: Column): Distribution {
  const n = values.length;
  if (n === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values.at(a) - values.at(b));
  let total = 0;
  for (let i = 0; i < n; i++) total += weights.at(i);
  const q = (p: number) => {
    let acc = 0;
    for (let k = 0; k < n; k++) {
      acc += weights.at(order[k]!);
      if (acc >= p * total - 1e-9) return values.at(order[k]!);
    }
    return values.at(order[n - 1]!);
  };
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: round(q(0.5)), p95: round(q(0.95)), p99: round(q(0.99)), max: round(values.at(order[n - 1]!)) };
}

interface OperationAcc {
  spans: number;
  count: number;
  errors: number;
  lockRetries: number;
  errorCodes: Record<string, number>;
  latency: Column;
  wait: Column;
  weight: Column;
  idle: Column;
  startup: Column;
  startupWeight: Column;
}

/**
 * Statistics built one span at a time, so `telemetry stats` streams the journal: it keeps three
 * numbers per span (24 bytes), never the span records themselves (about 1 KB each).
 */
export class StatsAccumulator {
  private readonly groups = new Map<string, OperationAcc>();
  private first = Infinity;
  private last = -Infinity;

  add(r: SpanRecord): void {
    const op = operationOf(r);
    let g = this.groups.get(op);
    if (!g) {
      g = { spans: 0, count: 0, errors: 0, lockRetries: 0, errorCodes: Object.create(null) as Record<string, number>, latency: new Column(), wait: new Column(), weight: new Column(), idle: new Column(), startup: new Column(), startupWeight: new Column() };
      this.groups.set(op, g);
    }
    const w = r.sampleRate > 0 ? 1 / r.sampleRate : 1;
    g.spans++;
    g.count += w;
    if (r.status.code === 2) {
      g.errors += w;
      const code = r.status.message ?? 'UNKNOWN';
      g.errorCodes[code] = (g.errorCodes[code] ?? 0) + w;
    }
    const idle = Number(r.attributes['wait_ms'] ?? 0);
    g.latency.push(Math.max(0, r.durationMs - idle));
    g.wait.push(Number(r.attributes['lock.wait_ms'] ?? 0));
    g.idle.push(idle);
    g.weight.push(w);
    const startup = r.attributes['cli.startup_ms'];
    if (typeof startup === 'number') {
      g.startup.push(startup);
      g.startupWeight.push(w);
    }
    g.lockRetries += Number(r.attributes['lock.retries'] ?? 0) * w;
    this.first = Math.min(this.first, startMs(r));
    this.last = Math.max(this.last, Number(BigInt(r.endTimeUnixNano) / 1_000_000n));
  }

  /** The earliest span start seen (ms), or NaN when none. */
  get firstStartMs(): number {
    return Number.isFinite(this.first) ? this.first : Number.NaN;
  }

  result(window?: { fromMs: number; toMs: number }): { window: { from: string; to: string }; operations: OperationStats[] } {
    const fromMs = window?.fromMs ?? (Number.isFinite(this.first) ? this.first : Date.now());
    const toMs = window?.toMs ?? (Number.isFinite(this.last) ? this.last : fromMs);
    const seconds = Math.max((toMs - fromMs) / 1000, 0.001);
    const operations = [...this.groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([operation, g]): OperationStats => ({
        operation,
        spans: g.spans,
        count: Math.round(g.count * 100) / 100,
        errors: Math.round(g.errors * 100) / 100,
        successRate: g.count > 0 ? Math.round(((g.count - g.errors) / g.count) * 10000) / 10000 : 1,
        throughputPerSec: Math.round((g.count / seconds) * 1000) / 1000,
        latencyMs: weightedQuantiles(g.latency, g.weight),
        lockWaitMs: weightedQuantiles(g.wait, g.weight),
        waitMs: weightedQuantiles(g.idle, g.weight),
        startupMs: weightedQuantiles(g.startup, g.startupWeight),
        lockRetries: Math.round(g.lockRetries),
        errorCodes: { ...g.errorCodes },
      }));
    return { window: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() }, operations };
  }
}

export function computeStats(spans: Iterable<SpanRecord>, window?: { fromMs: number; toMs: number }): { window: { from: string; to: string }; operations: OperationStats[] } {
  const acc = new StatsAccumulator();
  for (const r of spans) acc.add(r);
  return acc.result(window);
}

/** `--since`/`--until`: an ISO date, or a duration ago (`90s`, `15m`, `2h`, `7d`). NaN when unreadable. */
export function parseTimeArg(value: string, now = Date.now()): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (m) return now - Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Date.parse(value);
}
