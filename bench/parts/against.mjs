// @ts-check
/**
 * `--against '<command>'`: the same multi-agent workload through another tool taking SwarmSH's
 * claim/progress/complete arguments, side by side with swarmfile: throughput, latency, and what
 * each tool's files lost. The other tool losing data is a finding, not a suite failure; swarmfile
 * losing data fails the suite as everywhere else.
 */
import { commandTarget } from '../lib/targets.mjs';
import { fmt, fmtPct, multiRun } from '../lib/multiRun.mjs';

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'against',
  title: 'Comparison against another tool (--against)',
  async run(ctx) {
    if (!ctx.opts.against) return { skipped: 'against: skipped (no --against command given)' };
    const other = commandTarget(ctx.opts.against);
    const runs = [];
    for (const agents of ctx.sizes.againstAgents) {
      const cycles = ctx.sizes.againstCycles(agents);
      for (const target of [ctx.target, other]) {
        ctx.progress.start(`against: ${target.kind} ${agents} agents`, agents * cycles);
        const r = await multiRun(ctx, `against-${target.kind}-${agents}`, { agents, cycles, target, expectLoss: target !== ctx.target });
        r.tool = target === ctx.target ? 'swarmfile' : ctx.opts.against;
        runs.push(r);
      }
    }
    const rows = runs.map((r) => [r.tool, r.agents, fmt(r.throughput_cycles_per_s, 2), fmt(r.latency.claim.p50), fmt(r.latency.complete.p95), fmtPct(r.success_rate), r.invariants.lost.claims, r.invariants.lost.progress, r.invariants.lost.completions, r.invariants.duplicated.count, r.invariants.problems.length]);
    return { data: { command: ctx.opts.against, runs }, table: { headers: ['tool', 'agents', 'cycles/s', 'claim p50', 'complete p95', 'success %', 'lost claims', 'lost progress', 'lost completions', 'duplicates', 'file problems'], rows } };
  },
};
