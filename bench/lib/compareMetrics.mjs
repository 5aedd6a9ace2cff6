// @ts-check
/**
 * Compares two metrics maps ({name: {unit, better, samples}}) metric by metric: medians, the
 * Mann-Whitney U test on the raw samples and a bootstrap CI of the change. A metric regresses only
 * when the change is both significant (p < alpha) and worse than the threshold; single-number
 * metrics (throughput of one run) are shown but never decide the verdict.
 */
import { bootstrapChangeCI, mannWhitneyU, median } from './stats.mjs';

export const DEFAULTS = { threshold: 10, alpha: 0.01, minSamples: 5 };

/**
 * A metric as a results file or a telemetry window gives it; `better` other than 'higher' means lower.
 * @typedef {{ unit: string, better?: string, samples: number[] }} MetricInput
 */

/**
 * One metric's comparison. Only `metric`, `verdict` and `unit` are there for a metric missing on
 * one side.
 * @typedef {{ metric: string, verdict: string, unit: string, better?: string, n_baseline?: number, n_current?: number, median_baseline?: number | null, median_current?: number | null, change_pct?: number | null, worse_pct?: number | null, p_value?: number | null, ci95_change_pct?: [number, number] | null }} ComparisonRow
 */

/**
 * @param {Record<string, MetricInput>} baseline
 * @param {Record<string, MetricInput>} current
 * @param {{ threshold?: number, alpha?: number, minSamples?: number, filter?: string }} [options]
 */
export function compareMetrics(baseline, current, options = {}) {
  const { threshold, alpha, minSamples, filter } = { ...DEFAULTS, ...options };
  const re = filter ? new RegExp(filter) : null;
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].filter((n) => !re || re.test(n)).sort();
  /** @type {ComparisonRow[]} */
  const rows = [];
  for (const name of names) {
    const a = baseline[name];
    const b = current[name];
    if (!a || !b) {
      rows.push({ metric: name, verdict: a ? 'missing in current' : 'new in current', unit: /** @type {MetricInput} */ (a ?? b).unit });
      continue;
    }
    const better = a.better ?? 'lower';
    const ma = median(a.samples);
    const mb = median(b.samples);
    // mb is null only when b has no samples, and then `Number(null)` is what arithmetic made of it.
    const change = ma ? (Number(mb) / ma - 1) * 100 : null;
    // worse_pct > 0 always means "got worse", whichever direction is better for this metric.
    const worse = change === null ? null : better === 'higher' ? -change : change;
    /** @type {number | null} */
    let p = null;
    /** @type {[number, number] | null} */
    let ci = null;
    let verdict;
    if (a.samples.length < minSamples || b.samples.length < minSamples) {
      verdict = 'too few samples';
    } else {
      p = mannWhitneyU(a.samples, b.samples).p;
      ci = bootstrapChangeCI(a.samples, b.samples, 1000, hash(name));
      const significant = p < alpha;
      // worse is null when the baseline median is 0: no direction, so neither verdict applies.
      if (significant && worse !== null && worse > threshold) verdict = 'REGRESSION';
      else if (significant && worse !== null && worse < -threshold) verdict = 'improvement';
      else if (significant) verdict = 'changed within threshold';
      else verdict = 'no significant change';
    }
    rows.push({ metric: name, unit: a.unit, better, n_baseline: a.samples.length, n_current: b.samples.length, median_baseline: ma, median_current: mb, change_pct: change, worse_pct: worse, p_value: p, ci95_change_pct: ci, verdict });
  }
  const regressions = rows.filter((r) => r.verdict === 'REGRESSION');
  return { threshold_pct: threshold, alpha, min_samples: minSamples, filter: filter ?? null, rows, regressions: regressions.map((r) => r.metric), improvements: rows.filter((r) => r.verdict === 'improvement').map((r) => r.metric), ok: regressions.length === 0 };
}

/** @param {string} s */
function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
