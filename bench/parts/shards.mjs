// @ts-check
/** WORK_QUEUE_SHARDING sweep under 32 agents, and the default the data supports. */
import { fmt, fmtPct, multiRun } from '../lib/multiRun.mjs';
import { median } from '../lib/stats.mjs';

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'shards',
  title: 'Shard-count sweep (WORK_QUEUE_SHARDING)',
  async run(ctx) {
    const { shardCounts, shardAgents, shardCycles } = ctx.sizes;
    const runs = [];
    for (const shards of shardCounts) {
      ctx.progress.start(`shards ${shards} (${shardAgents} agents)`, shardAgents * shardCycles);
      const r = await multiRun(ctx, `shards-${shards}`, { agents: shardAgents, cycles: shardCycles, env: { WORK_QUEUE_SHARDING: String(shards) } });
      runs.push(Object.assign(r, { shards }));
    }
    const best = Math.max(...runs.map((r) => r.throughput_cycles_per_s));
    // The smallest count within 5% of the best: fewer files make list/dashboard/import cheaper,
    // and differences under 5% are inside one run's noise on a shared machine.
    const recommended = runs.filter((r) => r.throughput_cycles_per_s >= best * 0.95).sort((a, b) => a.shards - b.shards)[0]?.shards ?? null;
    const rows = runs.map((r) => {
      ctx.metric(`shards.s${r.shards}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      ctx.metric(`shards.s${r.shards}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      return [r.shards, fmt(r.throughput_cycles_per_s, 2), fmt(median(r.cycle_samples_ms), 0), fmt(r.latency.complete.p95), fmtPct(r.success_rate), r.lock ? fmt(r.lock.wait_ms.p95, 2) : 'null', r.invariants.ok ? 'ok' : 'FAILED', r.shards === recommended ? '<- recommended' : ''];
    });
    ctx.progress.note(`shards: data supports WORK_QUEUE_SHARDING=${recommended} (smallest count within 5% of the best throughput, ${fmt(best, 2)} cycles/s)`);
    return { data: { runs, agents: shardAgents, recommended_default: recommended, best_cycles_per_s: best }, table: { headers: ['shards', 'cycles/s', 'cycle p50 ms', 'complete p95', 'success %', 'lock wait p95', 'invariants', ''], rows } };
  },
};
