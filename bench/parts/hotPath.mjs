// @ts-check
/**
 * The queue's hot path against the claim path (issue 18): N library agents in one process, the two
 * paths run alternately, each on a fresh store. claim -> progress -> complete against claim-next ->
 * progress -> complete over a backlog written beforehand (off the clock). Target: claim-next cycles
 * at least 0.8x the claim path's at 8 and 32 agents; every run checked exactly once.
 */
import { join } from 'node:path';
import { checkSwarmfileStore } from '../lib/invariants.mjs';
import { checkQueueStore } from '../lib/queueInvariants.mjs';
import { runOrThrow } from '../lib/runTimed.mjs';
import { writeBacklogSegments } from '../lib/seedBacklog.mjs';
import { summarize } from '../lib/stats.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';

export const HOT_PATH_TARGET = 0.8;

/**
 * @typedef {{ wallMs: number, cycles: number, cycleMs: number[], told: { claimed: string[], progressed: string[], completed: string[], claims: string[] } }} HotRun
 */

/**
 * @param {string} dir
 * @param {number} agents
 * @param {number} cycles
 * @param {'claim' | 'claimnext'} mode
 * @returns {Promise<HotRun>}
 */
async function runChild(dir, agents, cycles, mode) {
  const out = await runOrThrow([process.execPath, join(ROOT, 'bench/children/hotPath.mjs'), JSON.stringify({ dir, agents, cycles, mode, library: LIBRARY })], { env: process.env });
  return JSON.parse(out);
}

/** @param {HotRun} r */
const ledgerOf = (r) => ({ claimed: new Set(r.told.claimed), progressed: new Set(r.told.progressed), completed: new Set(r.told.completed) });

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'hotpath',
  title: 'Queue hot path: claim-next against claim cycles, N library agents in one process (issue 18)',
  async run(ctx) {
    const { hotPathAgents, hotPathCycles, hotPathReps } = ctx.sizes;
    const rows = [];
    const runs = [];
    for (const agents of hotPathAgents) {
      const cycles = hotPathCycles(agents);
      ctx.progress.start(`hotpath ${agents} agents`, hotPathReps * 2);
      /** @type {number[]} */ const claimRates = [];
      /** @type {number[]} */ const nextRates = [];
      /** @type {number[]} */ const ratios = [];
      for (let rep = 0; rep < hotPathReps; rep++) {
        // Which path runs first alternates rep by rep, so a machine that speeds up or slows down
        // during the part favours neither.
        const runClaim = async () => {
          const claimDir = ctx.tmp(`hotpath-claim-${agents}-${rep}`);
          const claim = await runChild(claimDir, agents, cycles, 'claim');
          ctx.progress.tick();
          const inv = await checkSwarmfileStore(claimDir, ledgerOf(claim));
          if (claim.cycles !== agents * cycles) inv.problems.push(`claim path: ${claim.cycles} of ${agents * cycles} cycles`), (inv.ok = false);
          ctx.checkRun(`hotpath-claim-${agents}-${rep}`, { invariants: inv });
          return claim;
        };
        const runNext = async () => {
          const nextDir = ctx.tmp(`hotpath-next-${agents}-${rep}`);
          // The store must exist before its backlog is written: one CLI call creates it.
          const init = await ctx.cli(['register', 'bench_hot_seed'], { COORDINATION_DIR: nextDir });
          if (init.code !== 0) throw new Error(`hotpath: register exited ${init.code}: ${init.stderr.trim()}`);
          const items = await writeBacklogSegments(nextDir, agents * cycles);
          const next = await runChild(nextDir, agents, cycles, 'claimnext');
          ctx.progress.tick();
          const qinv = await checkQueueStore(nextDir, { items, claims: next.told.claims, ledger: ledgerOf(next) });
          ctx.checkRun(`hotpath-next-${agents}-${rep}`, { invariants: qinv });
          return next;
        };
        const claimFirst = rep % 2 === 0 ? await runClaim() : undefined;
        const next = await runNext();
        const claim = claimFirst ?? (await runClaim());

        const claimRate = claim.cycles / (claim.wallMs / 1000);
        const nextRate = next.cycles / (next.wallMs / 1000);
        claimRates.push(claimRate);
        nextRates.push(nextRate);
        ratios.push(nextRate / claimRate);
        runs.push({ agents, rep, claim: { cycles: claim.cycles, wall_ms: claim.wallMs, cycles_per_s: claimRate, cycle_ms: summarize(claim.cycleMs) }, claimnext: { cycles: next.cycles, wall_ms: next.wallMs, cycles_per_s: nextRate, cycle_ms: summarize(next.cycleMs) } });
      }
      const ratio = summarize(ratios).p50 ?? 0;
      ctx.metric(`hotpath.a${agents}.claim.cycles_per_s`, 'cycles/s', 'higher', claimRates);
      ctx.metric(`hotpath.a${agents}.claimnext.cycles_per_s`, 'cycles/s', 'higher', nextRates);
      ctx.metric(`hotpath.a${agents}.ratio`, 'x', 'higher', ratios);
      rows.push([agents, f(summarize(claimRates).p50), f(summarize(nextRates).p50), `${ratio.toFixed(2)}x`, ratio >= HOT_PATH_TARGET ? 'met' : 'MISSED']);
    }
    return { data: { runs, target: HOT_PATH_TARGET }, table: { headers: ['agents', 'claim path cycles/s', 'claim-next path cycles/s', 'ratio (median of reps)', `target >= ${HOT_PATH_TARGET}x`], rows } };
  },
};

/** @param {number | null} v */
const f = (v) => (v === null ? '-' : v.toFixed(1));
