/**
 * Compares two metrics maps ({name: {unit, better, samples}}) metric by metric: medians, the
 * Mann-Whitney U test on the raw samples and a bootstrap CI of the change. A metric regresses only
 * when the change is both significant (p < alpha) and worse than the threshold; single-number
 * metrics (throughput of one run) are shown but never decide the verdict.
 */
import { bootstrapChangeCI, mannWhitneyU, median } from './stats.mjs';

export const DEFAULTS = { threshold: 10, alpha: 0.01, minSamples: 5 };

/**
 * @param {Record<string, any>} baseline
 * @param {Record<string, any>} current
 * @param {{ threshold?: number, alpha?: number, minSamples?: number, filter?: string }} [options]
 */
export function compareMetrics(baseline, current, options = {}) {
  const { threshold, alpha, minSamples, filter } = { ...DEFAULTS, ...options };
  const re = filter ? new RegExp(filter) : null;
  const names = [...new Set([...Object.keys(baseline), ...Object.keys(current)])].filter((n) => !re || re.test(n)).sort();
  const rows = [];
  for (const name of names) {
    const a = baseline[name];
    const b = current[name];
    if (!a || !b) {
      rows.push({ metric: name, verdict: a ? 'missing in current' : 'new in current', unit: (a ?? b).unit });
      continue;
    }
    const better = a.better ?? 'lower';
    const ma = median(a.samples);
    const mb = median(b.samples);
    const change = ma ? (mb / ma - 1) * 100 : null;
    // worse_pct > 0 always means "got worse", whichever direction is better for this metric.
    const worse = change === null ? null : better === 'higher' ? -change : change;
    const row = { metric: name, unit: a.unit, better, n_baseline: a.samples.length, n_current: b.samples.length, median_baseline: ma, median_current: mb, change_pct: change, worse_pct: worse, p_value: null, ci95_change_pct: null };
    if (a.samples.length < minSamples || b.samples.length < minSamples) {
      row.verdict = 'too few samples';
    } else {
      row.p_value = mannWhitneyU(a.samples, b.samples).p;
      row.ci95_change_pct = bootstrapChangeCI(a.samples, b.samples, 1000, hash(name));
      const significant = row.p_value < alpha;
      if (significant && worse > threshold) row.verdict = 'REGRESSION';
      else if (significant && worse < -threshold) row.verdict = 'improvement';
      else if (significant) row.verdict = 'changed within threshold';
      else row.verdict = 'no significant change';
    }
    rows.push(row);
  }
  const regressions = rows.filter((r) => r.verdict === 'REGRESSION');
  return { threshold_pct: threshold, alpha, min_samples: minSamples, filter: filter ?? null, rows, regressions: regressions.map((r) => r.metric), improvements: rows.filter((r) => r.verdict === 'improvement').map((r) => r.metric), ok: regressions.length === 0 };
}

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
