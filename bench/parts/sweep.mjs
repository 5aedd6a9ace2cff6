// @ts-check
/** Concurrency sweep: throughput, latency percentiles, success rate and lock figures per agent count. */
import { fmt, fmtPct, multiRun } from '../lib/multiRun.mjs';

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'sweep',
  title: 'Concurrency sweep (CLI agent processes)',
  async run(ctx) {
    const runs = [];
    for (const agents of ctx.sizes.sweepAgents) {
      const cycles = ctx.sizes.sweepCycles(agents);
      ctx.progress.start(`sweep ${agents} agents`, agents * cycles);
      runs.push(await multiRun(ctx, `sweep-${agents}`, { agents, cycles }));
    }
    const rows = runs.map((r) => {
      ctx.metric(`sweep.a${r.agents}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      ctx.metric(`sweep.a${r.agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      const all = [...r.op_samples_ms.claim, ...r.op_samples_ms.progress, ...r.op_samples_ms.complete];
      ctx.metric(`sweep.a${r.agents}.op_ms`, 'ms', 'lower', all);
      return [r.agents, r.ok_cycles, fmt(r.throughput_cycles_per_s, 2), fmt(r.latency.claim.p50), fmt(r.latency.complete.p95), fmt(r.latency.complete.p99), fmtPct(r.success_rate), r.lock ? fmt(r.lock.wait_ms.p95, 2) : 'null', r.lock ? fmt(r.lock.retries.mean, 2) : 'null', r.invariants.ok ? 'ok' : 'FAILED'];
    });
    return { data: { runs }, table: { headers: ['agents', 'cycles', 'cycles/s', 'claim p50', 'complete p95', 'complete p99', 'success %', 'lock wait p95 ms', 'retries mean', 'invariants'], rows } };
  },
};
