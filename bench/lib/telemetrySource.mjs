// @ts-check
/**
 * Spans as a sample source. The telemetry journal (src/telemetry, src/journal) is queried through
 * `coordination_helper telemetry query --json [--since T] [--until T]`; when that command does not
 * exist yet every function here answers null, and the suite reports lock figures as null.
 * Spans become the same metrics map as a results file, so the regression detector compares two
 * time windows exactly as it compares two benchmark runs.
 */
import { existsSync } from 'node:fs';
import { runTimed } from './runTimed.mjs';
import { CLI } from './targets.mjs';

/** @type {boolean | undefined} */
let available;

/** True when the built CLI has `telemetry query`. Cached per process. */
export async function telemetryAvailable() {
  if (available === undefined) {
    const r = await runTimed([process.execPath, CLI, 'telemetry', 'query', '--help']);
    available = r.code === 0 && /query/i.test(r.stdout + r.stderr);
  }
  return available;
}

/**
 * A span as the suite uses it, whatever the journal's record looked like.
 * @typedef {{ name: string, operation: string, start: unknown, duration_ms: number | null, attributes: Record<string, unknown>, status: unknown }} Span
 */

/**
 * Accepts a JSON array, an object holding `spans`, or JSON Lines.
 * @param {string} text
 * @returns {Span[]}
 */
export function parseSpans(text) {
  const t = text.trim();
  if (!t) return [];
  /** @type {unknown[]} */
  let raw;
  try {
    const v = JSON.parse(t);
    raw = Array.isArray(v) ? v : Array.isArray(v?.spans) ? v.spans : [v];
  } catch {
    raw = t.split('\n').filter(Boolean).flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }
  return raw.map(normalizeSpan).filter((s) => s !== null);
}

/** @param {unknown} status the journal's {code: 1 | 2} (2 = ERROR), or an error code's text */
function isError(status) {
  if (status && typeof status === 'object') return /** @type {{ code?: unknown }} */ (status).code === 2;
  return typeof status === 'string' && !/^(ok|unset)$/i.test(status);
}

/** @param {unknown} v */
function num(v) {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/**
 * Maps the journal's span record onto {name, operation, start, duration_ms, attributes, status}.
 * @param {any} s a record of parsed JSON
 * @returns {Span | null}
 */
export function normalizeSpan(s) {
  if (!s || typeof s !== 'object') return null;
  const attributes = s.attributes ?? s.attrs ?? {};
  const name = s.name ?? s.span_name ?? '';
  const operation = attributes['swarmfile.operation'] ?? s.operation ?? String(name).replace(/^swarmfile\./, '');
  let duration = num(s.duration_ms) ?? num(s.durationMs);
  const ns = num(s.duration_ns);
  const [startMs, endMs] = [num(s.start_ms), num(s.end_ms)];
  if (duration === null && ns !== null) duration = ns / 1e6;
  if (duration === null && endMs !== null && startMs !== null) duration = endMs - startMs;
  return {
    name,
    operation,
    start: s.start_time ?? s.start ?? s.startTime ?? null,
    duration_ms: duration,
    attributes,
    status: s.status ?? s.error_code ?? attributes['error.code'] ?? null,
  };
}

/** Spans recorded in `telemetryDir`, optionally within [since, until]. Null when unavailable. */
/** @param {{ telemetryDir?: string, storeDir?: string, since?: string, until?: string, env?: Record<string, string> }} [options] */
export async function querySpans({ telemetryDir, storeDir, since, until, env = {} } = {}) {
  if (!(await telemetryAvailable())) return null;
  // No journal there (telemetry was off): no spans. The CLI says NOT_FOUND for a missing journal.
  if (telemetryDir && !existsSync(telemetryDir)) return [];
  const args = ['telemetry', 'query', '--json'];
  if (since) args.push('--since', since);
  if (until) args.push('--until', until);
  const e = { ...process.env, ...env };
  if (telemetryDir) e.TELEMETRY_DIR = telemetryDir;
  if (storeDir) e.COORDINATION_DIR = storeDir;
  const r = await runTimed([process.execPath, CLI, ...args], { env: e });
  // The query's own error (a bad time, a missing journal) is the answer, not "unavailable".
  if (r.code !== 0) throw new Error(`telemetry query ${args.slice(3).join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return parseSpans(r.stdout);
}

/**
 * Lock wait / retries over a run's spans, or null when there are no spans with those attributes.
 * @param {Span[] | null} spans
 */
export function lockFigures(spans) {
  if (!spans) return null;
  const wait = spans.map((s) => num(s.attributes['lock.wait_ms'])).filter((v) => v !== null);
  const retries = spans.map((s) => num(s.attributes['lock.retries'])).filter((v) => v !== null);
  if (!wait.length && !retries.length) return null;
  return { spans: spans.length, wait_ms: wait, retries };
}

/**
 * The metrics map (same shape as a results file's) of a set of spans.
 * @param {Span[]} spans
 */
export function spansToMetrics(spans) {
  /** @type {Record<string, import('../types.js').Metric>} */
  const metrics = {};
  /**
   * @param {string} name
   * @param {string} unit
   * @param {number | null} v
   */
  const add = (name, unit, v) => {
    if (v === null) return;
    (metrics[name] ??= { unit, better: 'lower', samples: [] }).samples.push(v);
  };
  for (const s of spans) {
    const op = s.operation || 'unknown';
    const wait = num(s.attributes['lock.wait_ms']);
    const retries = num(s.attributes['lock.retries']);
    add(`span.${op}.duration_ms`, 'ms', s.duration_ms);
    add(`span.${op}.lock_wait_ms`, 'ms', wait);
    add(`span.${op}.lock_retries`, 'count', retries);
    // Shares of 0..1 (compared as percentage points): they move with contention and failures,
    // not with how busy the machine is, so two windows can be compared on them.
    add(`span.${op}.lock_wait_share`, 'share', wait !== null && s.duration_ms ? Math.min(1, wait / s.duration_ms) : null);
    add(`span.${op}.retry_rate`, 'share', retries === null ? null : retries > 0 ? 1 : 0);
    add(`span.${op}.error_rate`, 'share', isError(s.status) ? 1 : 0);
  }
  return metrics;
}
