// @ts-check
/**
 * Issue 3's work queue, three measurements side by side, one module each (bench/parts/claimNext/):
 * claim-next throughput with 1, 8, 32 agents (throughput.mjs), claim-next latency against queue
 * length (latency.mjs) and the time from `add` to a waiting claim-next holding the item (wake.mjs).
 * This module runs them and turns their data into the part's metrics and table.
 */
import { killLiveChildren } from '../lib/childProcesses.mjs';
import { summarize } from '../lib/stats.mjs';
import { latency, LATENCY_TARGET } from './claimNext/latency.mjs';
import { throughput } from './claimNext/throughput.mjs';
import { wake } from './claimNext/wake.mjs';

/**
 * A number with `d` decimals, '-' for none.
 * @param {number | null | undefined} v
 */
const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
/** @param {string} mode */
const via = (mode) => (mode === 'cli' ? 'CLI processes' : 'library');

// `satisfies` rather than a type, so the tests see this part's own data and table.
export default /** @satisfies {import('../types.js').BenchPart} */ ({
  name: 'claimnext',
  title: 'Work queue: claim-next throughput, latency vs queue length, add -> wake-up (issue 3)',
  /** @param {import('../types.js').BenchContext} ctx */
  async run(ctx) {
    const env = { TELEMETRY_DIR: ctx.tmp('claimnext-telemetry') };
    /** @type {Record<string, number>} */
    const seconds = {};
    let t = performance.now();
    /** @param {string} name */
    const lap = (name) => {
      seconds[name] = (performance.now() - t) / 1000;
      t = performance.now();
    };
    let runs;
    let lat;
    /** @type {Awaited<ReturnType<typeof wake>>[]} */
    const wakes = [];
    try {
      runs = await throughput(ctx, env);
      lap('throughput');
      lat = await latency(ctx, env);
      lap('latency');
      for (const mode of /** @type {const} */ (['cli', 'library'])) for (const k of ctx.sizes.claimNextWakeWaiters) wakes.push(await wake(ctx, env, mode, k));
      lap('wake');
    } finally {
      killLiveChildren(); // only our own children, left over by a failure
    }

    const rows = [];
    for (const r of runs) {
      const m = r.mode === 'cli' ? 'cli' : 'lib';
      ctx.metric(`claimnext.throughput.${m}.a${r.agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      ctx.metric(`claimnext.throughput.${m}.a${r.agents}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      const cyc = summarize(r.cycle_samples_ms);
      rows.push(['throughput', via(r.mode), `${r.agents} agent${r.agents === 1 ? '' : 's'}`, `${r.ok_cycles}/${r.items} items`, `${f(r.throughput_cycles_per_s, 2)} cycles/s`, f(cyc.p50), f(cyc.p95), r.invariants.ok ? `ok, exactly once${r.failures.length ? `; ${r.failures.length} failed ops` : ''}` : 'FAILED']);
    }
    for (const mode of /** @type {const} */ (['library', 'cli'])) {
      const m = mode === 'cli' ? 'cli' : 'lib';
      const d = lat[mode];
      for (const n of lat.sizes) ctx.metric(`claimnext.latency.${m}.n${n}.ms`, 'ms', 'lower', d.samples_ms[n]);
      ctx.metric(`claimnext.latency.${m}.ratio`, 'x', 'lower', d.ratio.paired_ratios);
      for (const n of lat.sizes) {
        const s = d.summary[n];
        const last = n === d.ratio.large;
        const ok = d.ratio.ratio_of_medians <= LATENCY_TARGET;
        rows.push(['claim-next latency', via(mode), `${n.toLocaleString('en-US')} queued`, s.n, last ? `${f(d.ratio.ratio_of_medians, 2)}x (p95 ${f(d.ratio.ratio_of_p95, 2)}x)` : '', f(s.p50, 2), f(s.p95, 2), last ? (ok ? `ok (<=${LATENCY_TARGET}x)` : `OVER ${LATENCY_TARGET}x target`) : '']);
      }
    }
    for (const w of wakes) {
      const m = w.mode === 'cli' ? 'cli' : 'lib';
      ctx.metric(`claimnext.wake.${m}.k${w.waiters}.ms`, 'ms', 'lower', w.samples_ms);
      if (w.process_exit_samples_ms) ctx.metric(`claimnext.wake.${m}.k${w.waiters}.exit_ms`, 'ms', 'lower', w.process_exit_samples_ms);
      const extra = w.mode === 'cli' ? `exit p50 ${f(w.process_exit_ms?.p50, 0)} ms` : '';
      const check = (w.invariants.ok ? `ok; burst ${w.burst.claimed}/${w.burst.items} in ${f(w.burst.ms, 0)} ms` : 'FAILED') + (w.unsettled ? `; ${w.unsettled} adds before waiters settled` : '');
      rows.push(['add -> wake', w.mode === 'cli' ? 'CLI --wait 30' : 'library waitSeconds', `K=${w.waiters}`, w.summary.n, extra, f(w.summary.p50), f(w.summary.p95), check]);
    }
    return {
      data: { seconds, throughput: runs, latency: lat, wake: wakes, seeding: 'throughput: add through the library with SWARMFILE_FSYNC=0; latency: backlog segment files written directly (writeBacklogSegments), checked with ready --limit 3 and list --status pending' },
      table: { headers: ['measure', 'via', 'setting', 'n', 'result', 'p50 ms', 'p95 ms', 'check'], rows },
    };
  },
});
