// @ts-check
/**
 * The verdict table detect-regressions and `bench/run.mjs --compare` both print (one row per
 * metric: medians, change, 95% CI, p, n, verdict), the closing line, and the verdict JSON written
 * next to it. One printer, so the two commands read the same.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatTable } from './formatTable.mjs';
import { ROOT } from './targets.mjs';

/** @typedef {ReturnType<typeof import('./compareMetrics.mjs').compareMetrics>} Verdict */

/**
 * @param {Verdict} verdict
 * @param {{ all?: boolean, notes?: string[] }} [options]
 * @returns {string} the text for stdout
 */
export function formatVerdict(verdict, { all = false, notes = [] } = {}) {
  const { threshold_pct: threshold, alpha } = verdict;
  /** @param {import('./compareMetrics.mjs').ComparisonRow} r */
  const quiet = (r) => r.verdict === 'no significant change' || (r.verdict === 'too few samples' && Math.abs(r.worse_pct ?? 0) <= threshold);
  const shown = all ? verdict.rows : verdict.rows.filter((r) => !quiet(r));
  /** @param {number | null | undefined} v */
  const f = (v, d = 2) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
  const lines = [
    formatTable(
      ['metric', 'unit', 'baseline p50', 'current p50', 'change %', '95% CI %', 'p', 'n', 'verdict'],
      shown.map((r) => [r.metric, r.unit, f(r.median_baseline), f(r.median_current), f(r.change_pct, 1), r.ci95_change_pct ? `${f(r.ci95_change_pct[0], 1)}..${f(r.ci95_change_pct[1], 1)}` : '-', r.p_value == null ? '-' : r.p_value.toExponential(1), `${r.n_baseline ?? '-'}/${r.n_current ?? '-'}`, r.verdict]),
    ),
  ];
  const unchanged = verdict.rows.length - shown.length;
  if (unchanged) lines.push(`(${unchanged} metrics without a significant change not shown; --all shows them)`);
  lines.push(...notes);
  lines.push(verdict.ok ? `no significant regression (threshold ${threshold}%, alpha ${alpha})` : `REGRESSIONS (${verdict.regressions.length}): ${verdict.regressions.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the verdict JSON (default bench/results/regressions-<timestamp>.json); returns its path.
 * @param {object} result
 * @param {string | undefined} out
 */
export async function writeVerdict(result, out) {
  const path = resolve(out ?? join(ROOT, 'bench/results', `regressions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  await fs.mkdir(resolve(path, '..'), { recursive: true });
  await fs.writeFile(path, JSON.stringify(result, null, 1));
  return path;
}
