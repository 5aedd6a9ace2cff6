// @ts-check
/** Issue 2: full-cycle throughput with 1, 8, 32 agent processes, and through the library in one process. */
import { fmt, fmtPct, multiRun } from '../lib/multiRun.mjs';

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'throughput',
  title: 'Full-cycle throughput (claim -> progress -> complete)',
  async run(ctx) {
    const { throughputAgents, cliCycles, libCycles } = ctx.sizes;
    const runs = [];
    for (const agents of throughputAgents) {
      const cycles = cliCycles(agents);
      ctx.progress.start(`throughput cli ${agents} agents`, agents * cycles);
      runs.push(await multiRun(ctx, `throughput-cli-${agents}`, { agents, cycles }));
    }
    for (const agents of throughputAgents) {
      const cycles = libCycles(agents);
      ctx.progress.start(`throughput library ${agents} agents`, agents * cycles);
      runs.push(await multiRun(ctx, `throughput-lib-${agents}`, { agents, cycles, mode: 'library' }));
    }
    const rows = runs.map((r) => {
      ctx.metric(`throughput.${r.mode}.a${r.agents}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      ctx.metric(`throughput.${r.mode}.a${r.agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      return [r.mode === 'cli' ? 'CLI processes' : 'library, 1 process', r.agents, r.ok_cycles, fmt(r.wall_ms / 1000, 2), fmt(r.throughput_cycles_per_s, 2), fmt(r.throughput_cycles_per_s * 3, 1), fmtPct(r.success_rate), r.invariants.ok ? 'ok' : 'FAILED'];
    });
    return { data: { runs }, table: { headers: ['via', 'agents', 'cycles', 'wall s', 'cycles/s', 'ops/s', 'success %', 'invariants'], rows } };
  },
};
