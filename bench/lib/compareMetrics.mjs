// @ts-check
/**
 * Compares two metrics maps ({name: {unit, better, samples}}) metric by metric: medians, the
 * Mann-Whitney U test on the raw samples and a bootstrap CI of the change. A metric regresses only
 * when the change is both significant (p < alpha) and worse than the threshold; single-number
 * metrics (throughput of one run) are shown but never decide the verdict.
 * comparePaired does the same for samples paired round by round (`--compare`: both builds in the
 * same rounds), testing the per-round ratios with the signed-rank test.
 */
import { bootstrapChangeCI, mannWhitneyU, mean, median, pairedChange } from './stats.mjs';

export const DEFAULTS = { threshold: 10, alpha: 0.01, minSamples: 5 };
/**
 * Paired rounds cancel the machine's load, so a smaller change is worth reporting: a 10% slowdown
 * must show (the detector part measures how often it does).
 */
export const PAIRED_DEFAULTS = { threshold: 5, alpha: 0.01, minSamples: 8 };
/** Calibrated metrics (each sample divided by a calibration run of the same round): what the detector tests by default. */
export const CALIBRATED = '(^|\\.)ratio(\\.|$)';
/** Journal metrics that do not move with the machine's load alone: what `--telemetry` tests by default. */
export const LOAD_INDEPENDENT = '\\.(lock_wait_share|lock_retries|error_rate)$';

/**
 * A metric as a results file or a telemetry window gives it; `better` other than 'higher' means lower.
 * @typedef {{ unit: string, better?: string, samples: number[] }} MetricInput
 */

/**
 * One metric's comparison. Only `metric`, `verdict` and `unit` are there for a metric missing on
 * one side.
 * @typedef {{ metric: string, verdict: string, unit: string, better?: string, paired?: boolean, n_baseline?: number, n_current?: number, median_baseline?: number | null, median_current?: number | null, change_pct?: number | null, worse_pct?: number | null, p_value?: number | null, ci95_change_pct?: [number, number] | null }} ComparisonRow
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
    // A share (0..1 per sample: errors, retries, lock wait of the duration) is compared by its mean,
    // in percentage points: its median is 0 until half the samples are affected.
    const points = a.unit === 'share';
    const ma = points ? mean(a.samples) : median(a.samples);
    const mb = points ? mean(b.samples) : median(b.samples);
    // mb is null only when b has no samples, and then `Number(null)` is what arithmetic made of it.
    const change = points ? (ma === null ? null : (Number(mb) - ma) * 100) : ma ? (Number(mb) / ma - 1) * 100 : null;
    // worse_pct > 0 always means "got worse", whichever direction is better for this metric.
    const worse = change === null ? null : better === 'higher' ? -change : change;
    /** @type {number | null} */
    let p = null;
    /** @type {[number, number] | null} */
    let ci = null;
    let verdict = 'too few samples';
    if (a.samples.length >= minSamples && b.samples.length >= minSamples) {
      p = mannWhitneyU(a.samples, b.samples).p;
      ci = points ? null : bootstrapChangeCI(a.samples, b.samples, 1000, hash(name));
      verdict = verdictOf(p, worse, alpha, threshold);
    }
    rows.push({ metric: name, unit: a.unit, better, n_baseline: a.samples.length, n_current: b.samples.length, median_baseline: ma, median_current: mb, change_pct: change, worse_pct: worse, p_value: p, ci95_change_pct: ci, verdict });
  }
  return summarizeRows(rows, { threshold, alpha, minSamples, filter });
}

/**
 * Samples paired by round: `baseline[i]` and `current[i]` were measured in the same round (ABBA
 * order), so each round's ratio current/baseline is one observation. The change is the trimmed mean
 * of the log-ratios (see stats.pairedChange) and p the signed-rank test's.
 * @typedef {{ unit: string, better?: string, baseline: number[], current: number[] }} PairedInput
 * @param {Record<string, PairedInput>} pairs
 * @param {{ threshold?: number, alpha?: number, minSamples?: number, filter?: string }} [options]
 */
export function comparePaired(pairs, options = {}) {
  const { threshold, alpha, minSamples, filter } = { ...PAIRED_DEFAULTS, ...options };
  const re = filter ? new RegExp(filter) : null;
  /** @type {ComparisonRow[]} */
  const rows = [];
  for (const name of Object.keys(pairs).filter((n) => !re || re.test(n)).sort()) {
    const { unit, better = 'lower', baseline, current } = pairs[name];
    if (baseline.length !== current.length) throw new Error(`${name}: ${baseline.length} baseline and ${current.length} current samples are not paired`);
    const ratios = baseline.map((v, i) => current[i] / v);
    const pc = pairedChange(ratios, 2000, hash(name));
    const change = pc.change_pct;
    const worse = change === null ? null : better === 'higher' ? -change : change;
    const verdict = pc.n < minSamples ? 'too few samples' : verdictOf(pc.p_value, worse, alpha, threshold);
    rows.push({ metric: name, unit, better, paired: true, n_baseline: pc.n, n_current: pc.n, median_baseline: median(baseline), median_current: median(current), change_pct: change, worse_pct: worse, p_value: pc.n < minSamples ? null : pc.p_value, ci95_change_pct: pc.ci95_change_pct, verdict });
  }
  return summarizeRows(rows, { threshold, alpha, minSamples, filter });
}

/**
 * A metric regresses only when its change is significant AND worse than the threshold.
 * @param {number} p
 * @param {number | null} worse percent, > 0 = worse; null when the baseline is 0 (no direction)
 * @param {number} alpha
 * @param {number} threshold
 */
function verdictOf(p, worse, alpha, threshold) {
  const significant = p < alpha;
  if (significant && worse !== null && worse > threshold) return 'REGRESSION';
  if (significant && worse !== null && worse < -threshold) return 'improvement';
  return significant ? 'changed within threshold' : 'no significant change';
}

/**
 * @param {ComparisonRow[]} rows
 * @param {{ threshold: number, alpha: number, minSamples: number, filter?: string }} o
 */
function summarizeRows(rows, { threshold, alpha, minSamples, filter }) {
  const regressions = rows.filter((r) => r.verdict === 'REGRESSION');
  return { threshold_pct: threshold, alpha, min_samples: minSamples, filter: filter ?? null, rows, regressions: regressions.map((r) => r.metric), improvements: rows.filter((r) => r.verdict === 'improvement').map((r) => r.metric), ok: regressions.length === 0 };
}

/** @param {string} s */
function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
