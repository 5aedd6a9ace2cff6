#!/usr/bin/env node
// @ts-check
/**
 * detect-regressions: compares a baseline and a current run metric by metric (medians, Mann-Whitney
 * U on the samples, bootstrap CI), prints a table, writes JSON, exits 1 on a significant
 * regression. Sources: two results files (calibrated `ratio` metrics by default), or two time
 * windows of the telemetry journal (lock wait share, retry and error rates by default).
 */
import { parseArgs } from 'node:util';
import { CALIBRATED, compareMetrics, DEFAULTS, LOAD_INDEPENDENT } from './lib/compareMetrics.mjs';
import { formatVerdict, writeVerdict } from './lib/printVerdict.mjs';
import { fromResultsFile, fromTelemetryWindow } from './lib/sampleSources.mjs';

const HELP = `usage:
  detect-regressions --baseline A.json --current B.json [--threshold 10] [options]
  detect-regressions --telemetry --baseline-since T --baseline-until T --current-since T [--current-until T] [options]

Compares per metric using every sample: a metric is a REGRESSION when it is worse by more than
--threshold percent (median against median; shares: mean, in percentage points) AND the
Mann-Whitney U test gives p < --alpha.

By default only load-independent metrics are tested: between results files the calibrated ones
(\`*.ratio*\`: each sample divided by a calibration run of the same round, e.g. node -e 0), between
journal windows the lock wait share of duration, retry rate and error rate. Raw milliseconds of two
separate runs move with the machine's load: --raw tests them too. To compare two builds, prefer
\`node bench/run.mjs --compare REF\` (both builds in the same rounds).

  --threshold PCT      percent change that counts (default ${DEFAULTS.threshold})
  --alpha P            significance level (default ${DEFAULTS.alpha})
  --min-samples N      metrics with fewer samples are shown, not tested (default ${DEFAULTS.minSamples})
  --metrics REGEX      only metrics whose name matches (e.g. '^startup\\.ratio'); overrides the default
  --raw                every metric, raw milliseconds and durations included
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
        'min-samples': { type: 'string' }, metrics: { type: 'string' }, out: { type: 'string' }, all: { type: 'boolean' }, raw: { type: 'boolean' },
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
  // By default only metrics that do not move with the machine's load: calibrated ratios between
  // results files, shares of lock wait / retries / errors between journal windows.
  const filter = o.metrics ?? (o.raw ? undefined : o.telemetry ? LOAD_INDEPENDENT : CALIBRATED);
  const verdict = compareMetrics(base.metrics, cur.metrics, { threshold, alpha, minSamples, filter });
  if (!verdict.rows.length) {
    process.stderr.write(`detect-regressions: ${filter ? `no metric matches ${filter}` : 'no metrics'}${o.metrics || !filter ? '' : ' (these inputs carry no calibrated metrics: results from before calibration? --raw compares raw milliseconds)'}\n`);
    return 2;
  }
  const { metrics: _a, ...baseInfo } = base;
  const { metrics: _b, ...curInfo } = cur;
  const result = { schema: 'swarmfile-regressions/1', created_at: new Date().toISOString(), mode: o.telemetry ? 'telemetry windows' : 'results files', baseline: baseInfo, current: curInfo, ...verdict };
  const notes = [];
  if (o.telemetry) notes.push(o.raw || o.metrics ? 'note: raw durations across windows are load-sensitive: a busier machine in one window moves them without any change of code.' : 'note: compared on lock wait share, retry rate and error rate (shares, in percentage points); raw durations across windows are load-sensitive (--raw shows them).');
  else if (o.raw) notes.push('note: raw milliseconds of two separately recorded runs move with the machine\'s load; the calibrated `ratio` metrics (the default) do not, and `bench/run.mjs --compare REF` measures both builds in the same rounds.');
  process.stdout.write(formatVerdict(verdict, { all: o.all, notes }));
  process.stdout.write(`verdict: ${await writeVerdict(result, o.out)}\n`);
  return verdict.ok ? 0 : 1;
}

if (process.argv[1]?.endsWith('detect-regressions.mjs')) process.exitCode = await main(process.argv.slice(2));
