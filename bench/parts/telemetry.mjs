// @ts-check
/**
 * Telemetry overhead: the same CLI rounds with telemetry at 100% sampling and with it off,
 * alternating round by round in the same run; the overhead is the median of the paired ratios.
 * The switches come from --telemetry-on / --telemetry-off (env assignments; see
 * docs/benchmarking.md). Checks that each switch really turns spans on or off, and skips with a
 * message against a build without `telemetry query` (e.g. an old commit under --against).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt } from '../lib/multiRun.mjs';
import { median, pairedChange, summarize } from '../lib/stats.mjs';
import { querySpans, telemetryAvailable } from '../lib/telemetrySource.mjs';
import { cliRounds, OPS } from './latency.mjs';

/**
 * `K=V K2=V2` (spaces or commas between) as an environment; pairs without `=` are ignored.
 * @param {string | undefined} text
 */
export function parseEnvAssignments(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const pair of String(text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'telemetry',
  title: 'Telemetry overhead (100% sampling vs off)',
  async run(ctx) {
    if (!(await telemetryAvailable())) {
      const msg = 'telemetry: skipped: this build has no `coordination_helper telemetry query` (the journal is not shipped yet)';
      ctx.progress.note(msg);
      return { skipped: msg };
    }
    const onEnv = parseEnvAssignments(ctx.opts.telemetryOn);
    const offEnv = parseEnvAssignments(ctx.opts.telemetryOff);
    const blocks = ctx.sizes.telemetryBlocks;
    const per = ctx.sizes.telemetryRoundsPerBlock;
    const dir = ctx.tmp('telemetry-store');
    const tel = { on: ctx.tmp('telemetry-on'), off: ctx.tmp('telemetry-off') };
    /** @typedef {'on' | 'off'} Mode */
    /** @type {Record<Mode, import('./latency.mjs').OpSamples>} */
    const samples = { on: { claim: [], progress: [], complete: [] }, off: { claim: [], progress: [], complete: [] } };
    ctx.progress.start('telemetry overhead', blocks * per * 2);
    // On and off alternate every round (on-off, off-on, ...), and each round's on/off ratio is kept:
    // a shared machine's load drifts over seconds, and blocks of rounds once turned that drift
    // into a 10-35% "overhead" that two re-runs put at -8..0%.
    /** @type {Record<string, number[]>} */
    const ratios = { claim: [], progress: [], complete: [] };
    for (let r = 0; r < blocks * per; r++) {
      /** @type {Partial<Record<Mode, import('./latency.mjs').OpSamples>>} */
      const round = {};
      /** @type {Mode[]} */
      const order = r % 2 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const got = await cliRounds(ctx, dir, 1, `telemetry_${mode}`, { ...(mode === 'on' ? onEnv : offEnv), TELEMETRY_DIR: tel[mode] });
        round[mode] = got;
        for (const op of OPS) samples[mode][op].push(...got[op]);
      }
      const { on, off } = /** @type {Record<Mode, import('./latency.mjs').OpSamples>} */ (round); // both ran
      for (const op of OPS) ratios[op].push(on[op][0] / off[op][0]);
    }
    const spansOn = await querySpans({ telemetryDir: tel.on, storeDir: dir, env: onEnv });
    const spansOff = await querySpans({ telemetryDir: tel.off, storeDir: dir, env: onEnv });
    const warnings = [];
    if (!spansOn?.length) warnings.push(`--telemetry-on (${ctx.opts.telemetryOn}) recorded no spans: the switch may be wrong, see docs/telemetry.md`);
    if (spansOff?.length) warnings.push(`--telemetry-off (${ctx.opts.telemetryOff}) still recorded ${spansOff.length} spans: the switch may be wrong, see docs/telemetry.md`);
    for (const w of warnings) ctx.progress.note(`telemetry: WARNING: ${w}`);
    const rows = [];
    /** @typedef {{ on: import('../types.js').Summary, off: import('../types.js').Summary, overhead_pct: number, ratio_of_medians_pct: number, paired_change_pct?: number | null, ci95_pct?: [number, number] | null }} OpOverhead */
    /** @typedef {{ spans: number, bytes_before: number, bytes_after: number, ratio: number }} JournalDay what bench/children/journalDay.mjs prints */
    const data = { on_env: onEnv, off_env: offEnv, samples_ms: samples, spans_recorded: { on: spansOn?.length ?? null, off: spansOff?.length ?? null }, warnings, summary: /** @type {Record<string, OpOverhead>} */ ({}), journal_day: /** @type {JournalDay | null} */ (null) };
    for (const op of OPS) {
      const on = summarize(samples.on[op]);
      const off = summarize(samples.off[op]);
      data.summary[op] = {
        on,
        off,
        overhead_pct: (Number(median(ratios[op])) - 1) * 100, // median of the paired per-round ratios
        ratio_of_medians_pct: (Number(median(samples.on[op])) / Number(median(samples.off[op])) - 1) * 100,
      };
      ctx.metric(`telemetry.on.${op}.ms`, 'ms', 'lower', samples.on[op]);
      ctx.metric(`telemetry.off.${op}.ms`, 'ms', 'lower', samples.off[op]);
      ctx.metric(`telemetry.ratio.${op}`, 'x', 'lower', ratios[op]);
      // The resolution of the overhead: a 95% CI of the paired change (trimmed mean of log-ratios).
      const pc = pairedChange(ratios[op]);
      data.summary[op].paired_change_pct = pc.change_pct;
      data.summary[op].ci95_pct = pc.ci95_change_pct;
      rows.push([op, fmt(off.p50), fmt(on.p50), fmt(data.summary[op].overhead_pct, 1), pc.ci95_change_pct ? `${fmt(pc.change_pct, 1)} (${fmt(pc.ci95_change_pct[0], 1)}..${fmt(pc.ci95_change_pct[1], 1)})` : '-', fmt(data.summary[op].ratio_of_medians_pct, 1)]);
    }
    // A day of journal (one operation per second) before and after gzip, by the real code.
    /** @type {JournalDay} */
    const day = JSON.parse(execFileSync(process.execPath, [fileURLToPath(new URL('../children/journalDay.mjs', import.meta.url))], { encoding: 'utf8' }));
    data.journal_day = day;
    ctx.metric('telemetry.journal_day.bytes_before', 'bytes', 'lower', [day.bytes_before]);
    ctx.metric('telemetry.journal_day.bytes_after', 'bytes', 'lower', [day.bytes_after]);
    ctx.progress.note(`telemetry: a day of journal (${day.spans} spans): ${(day.bytes_before / 1048576).toFixed(1)} MiB raw, ${(day.bytes_after / 1048576).toFixed(1)} MiB gzipped (${day.ratio}x)`);
    return { data, table: { headers: ['op', 'off p50 ms', 'on (100%) p50 ms', 'overhead % (paired)', 'trimmed mean % (95% CI)', 'ratio of medians %'], rows } };
  },
};
