// @ts-check
/** Issue 2's start-up target: claim/progress/complete wall time against `node -e 0`, interleaved. */
import { summarize, median } from '../lib/stats.mjs';

const OPS = ['claim', 'progress', 'complete'];

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'startup',
  title: 'CLI start-up vs node -e 0 (interleaved, paired)',
  async run(ctx) {
    const rounds = ctx.sizes.startupRounds;
    const dir = ctx.tmp('startup');
    const env = { COORDINATION_DIR: dir, AGENT_ID: 'bench_startup' };
    /** @type {Record<string, number[]>} */
    const samples = { node: [], claim: [], progress: [], complete: [] };
    /** @type {Record<string, number[]>} */
    const ratios = { claim: [], progress: [], complete: [] };
    ctx.progress.start('startup', rounds + 1);
    for (let r = -1; r < rounds; r++) {
      // Round -1 warms the page cache and creates the store; it is not recorded.
      let id = ''; // set by the claim, the first of OPS
      for (const op of OPS) {
        const base = await ctx.run([process.execPath, '-e', '0']);
        const args = op === 'claim' ? ['claim', 'benchmark', `startup ${r}`, 'medium', 'bench_team'] : op === 'progress' ? ['progress', id, '50', 'in_progress'] : ['complete', id, 'success', '3'];
        const res = await ctx.cli(args, env);
        if (res.code !== 0) throw new Error(`startup: ${op} exited ${res.code}: ${res.stderr.trim()}`);
        if (op === 'claim') id = res.stdout.trim();
        if (r < 0) continue;
        samples.node.push(base.ms);
        samples[op].push(res.ms);
        ratios[op].push(res.ms / base.ms);
      }
      ctx.progress.tick();
    }
    ctx.metric('startup.node.ms', 'ms', 'lower', samples.node);
    const rows = [['node -e 0', fmt(median(samples.node)), '1.00', '']];
    /** @type {{ rounds: number, samples_ms: typeof samples, paired_ratios: typeof ratios, summary: Record<string, import('../types.js').Summary & { ratio_of_medians?: number, median_paired_ratio?: number | null }>, target_ratio: number }} */
    const data = { rounds, samples_ms: samples, paired_ratios: ratios, summary: {}, target_ratio: 1.3 };
    data.summary.node = summarize(samples.node);
    for (const op of OPS) {
      ctx.metric(`startup.${op}.ms`, 'ms', 'lower', samples[op]);
      ctx.metric(`startup.ratio.${op}`, 'x', 'lower', ratios[op]);
      // Ratio of medians (robust) is the headline; the paired-ratio median is shown alongside.
      const ratio = Number(median(samples[op])) / Number(median(samples.node)); // rounds >= 1: numbers
      data.summary[op] = { ...summarize(samples[op]), ratio_of_medians: ratio, median_paired_ratio: median(ratios[op]) };
      rows.push([`coordination_helper ${op}`, fmt(median(samples[op])), ratio.toFixed(2), ratio <= 1.3 ? 'ok (<=1.3x)' : 'over 1.3x target']);
    }
    return { data, table: { headers: ['command', 'p50 ms', 'ratio', 'issue 2 target'], rows } };
  },
};

/** @param {number | null} v */
const fmt = (v) => (v === null ? '-' : v.toFixed(1));
