#!/usr/bin/env node
// @ts-check
/**
 * detect-regressions: compares a baseline and a current run metric by metric (medians, Mann-Whitney
 * U on the raw samples, bootstrap CI), prints a table, writes JSON, exits 1 on a significant
 * regression. Sources: two results files, or two time windows of the telemetry journal.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareMetrics, DEFAULTS } from './lib/compareMetrics.mjs';
import { formatTable } from './lib/formatTable.mjs';
import { fromResultsFile, fromTelemetryWindow } from './lib/sampleSources.mjs';
import { ROOT } from './lib/targets.mjs';

const HELP = `usage:
  detect-regressions --baseline A.json --current B.json [--threshold 10] [options]
  detect-regressions --telemetry --baseline-since T --baseline-until T --current-since T [--current-until T] [options]

Compares per metric using every raw sample: a metric is a REGRESSION when it is worse by more than
--threshold percent (median against median) AND the Mann-Whitney U test gives p < --alpha.

  --threshold PCT      percent change that counts (default ${DEFAULTS.threshold})
  --alpha P            significance level (default ${DEFAULTS.alpha})
  --min-samples N      metrics with fewer samples are shown, not tested (default ${DEFAULTS.minSamples})
  --metrics REGEX      only metrics whose name matches (e.g. '^startup\\.ratio')
  --telemetry          read spans from the journal (coordination_helper telemetry query --json)
  --telemetry-dir DIR  TELEMETRY_DIR for the query (default: the environment's)
  --out FILE           JSON verdict (default bench/results/regressions-<timestamp>.json)
  --all                print every metric, not only the changed ones
  -h, --help

Exit status: 0 no significant regression; 1 at least one; 2 bad usage or unreadable input.`;

/**
 * @param {string[]} argv
 * @returns {Promise<number>} the exit status
 */
export async function main(argv) {
  let o;
  try {
    o = parseArgs({
      args: argv,
      options: {
        baseline: { type: 'string' }, current: { type: 'string' }, threshold: { type: 'string' }, alpha: { type: 'string' },
        'min-samples': { type: 'string' }, metrics: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' },
        telemetry: { type: 'boolean' }, 'telemetry-dir': { type: 'string' },
        'baseline-since': { type: 'string' }, 'baseline-until': { type: 'string' }, 'current-since': { type: 'string' }, 'current-until': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`detect-regressions: ${/** @type {Error} */ (err).message}\n${HELP}\n`);
    return 2;
  }
  if (o.help) return process.stdout.write(`${HELP}\n`), 0;
  const threshold = o.threshold === undefined ? DEFAULTS.threshold : Number(o.threshold);
  const alpha = o.alpha === undefined ? DEFAULTS.alpha : Number(o.alpha);
  const minSamples = o['min-samples'] === undefined ? DEFAULTS.minSamples : Number(o['min-samples']);
  if (![threshold, alpha, minSamples].every(Number.isFinite) || threshold < 0 || alpha <= 0 || alpha >= 1) {
    process.stderr.write('detect-regressions: --threshold, --alpha and --min-samples must be numbers (0 < alpha < 1)\n');
    return 2;
  }
  let base;
  let cur;
  try {
    if (o.telemetry) {
      if (!o['baseline-since'] || !o['current-since']) throw new Error('--telemetry needs --baseline-since and --current-since');
      const dir = o['telemetry-dir'];
      base = await fromTelemetryWindow({ since: o['baseline-since'], until: o['baseline-until'], telemetryDir: dir, minSpans: minSamples, label: 'baseline' });
      cur = await fromTelemetryWindow({ since: o['current-since'], until: o['current-until'], telemetryDir: dir, minSpans: minSamples, label: 'current' });
    } else {
      if (!o.baseline || !o.current) throw new Error('give --baseline and --current (or --telemetry with windows)');
      base = await fromResultsFile(o.baseline);
      cur = await fromResultsFile(o.current);
    }
  } catch (err) {
    process.stderr.write(`detect-regressions: ${/** @type {Error} */ (err).message}\n`);
    return 2;
  }
  const verdict = compareMetrics(base.metrics, cur.metrics, { threshold, alpha, minSamples, filter: o.metrics });
  const { metrics: _a, ...baseInfo } = base;
  const { metrics: _b, ...curInfo } = cur;
  const result = { schema: 'swarmfile-regressions/1', created_at: new Date().toISOString(), baseline: baseInfo, current: curInfo, ...verdict };
  /** @param {import('./lib/compareMetrics.mjs').ComparisonRow} r */
  const quiet = (r) => r.verdict === 'no significant change' || (r.verdict === 'too few samples' && Math.abs(r.worse_pct ?? 0) <= threshold);
  const shown = o.all ? verdict.rows : verdict.rows.filter((r) => !quiet(r));
  /** @param {number | null | undefined} v */
  const f = (v, d = 2) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
  process.stdout.write(
    `${formatTable(
      ['metric', 'unit', 'baseline p50', 'current p50', 'change %', '95% CI %', 'p', 'n', 'verdict'],
      shown.map((r) => [r.metric, r.unit, f(r.median_baseline), f(r.median_current), f(r.change_pct, 1), r.ci95_change_pct ? `${f(r.ci95_change_pct[0], 1)}..${f(r.ci95_change_pct[1], 1)}` : '-', r.p_value == null ? '-' : r.p_value.toExponential(1), `${r.n_baseline ?? '-'}/${r.n_current ?? '-'}`, r.verdict]),
    )}\n`,
  );
  const unchanged = verdict.rows.length - shown.length;
  if (unchanged) process.stdout.write(`(${unchanged} metrics without a significant change not shown; --all shows them)\n`);
  process.stdout.write(verdict.ok ? `no significant regression (threshold ${threshold}%, alpha ${alpha})\n` : `REGRESSIONS (${verdict.regressions.length}): ${verdict.regressions.join(', ')}\n`);
  const out = resolve(o.out ?? join(ROOT, 'bench/results', `regressions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`));
  await fs.mkdir(resolve(out, '..'), { recursive: true });
  await fs.writeFile(out, JSON.stringify(result, null, 1));
  process.stdout.write(`verdict: ${out}\n`);
  return verdict.ok ? 0 : 1;
}

if (process.argv[1]?.endsWith('detect-regressions.mjs')) process.exitCode = await main(process.argv.slice(2));
