// @ts-check
/**
 * Issue 10: what the change log costs, and how fast `events --follow` sees a commit.
 *  - Overhead: full claim -> progress -> complete cycles through the library with the log on and
 *    off (SWARMFILE_CHANGE_LOG=0, a measuring hook), in ABBA order round after round on fresh
 *    file stores, at 1 and 8 agents; the cost is 1 - (on / off) of the summed cycles/s. Target:
 *    at most CHANGE_LOG_TARGET.
 *  - Follow: one `coordination_helper --json events --follow` process; this process adds items
 *    through the library at a steady pace and times each event's arrival from the moment its
 *    add() returned (the commit acknowledged). Target: p95 within FOLLOW_TARGET_MS.
 * Each "on" run's store also passes the tool's own audit (ctx.checkRun, bench/lib/invariants.mjs).
 */
import { spawn } from 'node:child_process';
import { fmt, multiRun } from '../lib/multiRun.mjs';
import { median, summarize } from '../lib/stats.mjs';
import { CLI, LIBRARY } from '../lib/targets.mjs';

/** The change log may cost at most this share of library throughput. */
export const CHANGE_LOG_TARGET = 0.1;
/** `events --follow` delivers an event within this many ms of its commit (p95). */
export const FOLLOW_TARGET_MS = 100;

/**
 * @param {import('../types.js').BenchContext} ctx
 * @param {number} count
 * @returns {Promise<number[]>} ms from each add()'s return to its event's arrival
 */
async function followLatency(ctx, count) {
  const dir = ctx.tmp('changelog-follow');
  const env = { ...process.env, COORDINATION_DIR: dir, OTEL_SDK_DISABLED: 'true' };
  const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(LIBRARY));
  const c = await Coordinator.open({ dir, agentId: 'bench_follow', env: { OTEL_SDK_DISABLED: 'true' } });
  await c.add({ workType: 'warmup', description: 'makes the store before the follower starts' });
  const child = spawn(process.execPath, [CLI, '--json', 'events', '--follow', '--type', 'added'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  /** @type {Map<string, number>} */
  const arrived = new Map();
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (/** @type {string} */ d) => {
    const now = performance.now();
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line) arrived.set(JSON.parse(line).work_item_id, now);
    }
  });
  const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
  // Started and caught up: the warm-up event has arrived.
  for (let t = 0; t < 200 && arrived.size === 0; t++) await sleep(50);
  /** @type {number[]} */
  const latencies = [];
  try {
    for (let i = 0; i < count; i++) {
      const item = await c.add({ workType: 'follow', description: `event ${i}` });
      const acked = performance.now();
      for (let t = 0; t < 2000 && !arrived.has(item.work_item_id); t++) await sleep(5);
      const at = arrived.get(item.work_item_id);
      if (at !== undefined) latencies.push(Math.max(0, at - acked));
      ctx.progress.tick();
      await sleep(20 + Math.random() * 30);
    }
  } finally {
    child.kill('SIGTERM');
    await c.close();
  }
  if (latencies.length < count) throw new Error(`events --follow delivered ${latencies.length} of ${count} events within 10 s each`);
  return latencies;
}

export default /** @satisfies {import('../types.js').BenchPart} */ ({
  name: 'changelog',
  title: 'Change log: its cost to library throughput, and events --follow latency',
  async run(ctx) {
    const { changeLogAgents, changeLogCycles, changeLogRounds, followEvents } = ctx.sizes;
    /** @type {any[]} */
    const rows = [];
    /** @type {Record<string, unknown>} */
    const data = { target_cost: CHANGE_LOG_TARGET, target_follow_p95_ms: FOLLOW_TARGET_MS, overhead: [] };
    let worst = 0;
    for (const agents of changeLogAgents) {
      const cycles = changeLogCycles(agents);
      /** @type {{ on: number[], off: number[] }} */
      const rates = { on: [], off: [] };
      ctx.progress.start(`changelog ${agents} agents`, 2 * changeLogRounds * agents * cycles);
      for (let r = 0; r < changeLogRounds; r++) {
        const order = r % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
        for (const side of order) {
          /** @type {Record<string, string>} */
          const env = side === 'off' ? { SWARMFILE_CHANGE_LOG: '0' } : {};
          const run = await multiRun(ctx, `changelog-${side}-${agents}-${r}`, { agents, cycles, mode: 'library', env });
          rates[/** @type {'on' | 'off'} */ (side)].push(run.throughput_cycles_per_s);
        }
      }
      const sum = (/** @type {number[]} */ xs) => xs.reduce((a, b) => a + b, 0);
      const cost = 1 - sum(rates.on) / sum(rates.off);
      const pairCosts = rates.on.map((on, i) => 1 - on / rates.off[i]);
      worst = Math.max(worst, cost);
      ctx.metric(`changelog.a${agents}.on_cycles_per_s`, 'cycles/s', 'higher', rates.on);
      ctx.metric(`changelog.a${agents}.off_cycles_per_s`, 'cycles/s', 'higher', rates.off);
      ctx.metric(`changelog.a${agents}.cost`, 'ratio', 'lower', [cost]);
      /** @type {unknown[]} */ (data.overhead).push({ agents, cycles, rounds: changeLogRounds, on: rates.on, off: rates.off, cost, pair_costs: pairCosts });
      rows.push([`library, ${agents} agent(s), log off`, fmt(median(rates.off), 1), '', '']);
      rows.push([`library, ${agents} agent(s), log on`, fmt(median(rates.on), 1), `${fmt(cost * 100, 1)}% (pairs ${fmt(Math.min(...pairCosts) * 100, 0)}..${fmt(Math.max(...pairCosts) * 100, 0)}%)`, cost <= CHANGE_LOG_TARGET ? `met (<=${CHANGE_LOG_TARGET * 100}%)` : `NOT MET (>${CHANGE_LOG_TARGET * 100}%)`]);
    }
    ctx.progress.start('changelog follow', followEvents);
    const latencies = await followLatency(ctx, followEvents);
    const s = summarize(latencies);
    ctx.metric('changelog.follow_ms', 'ms', 'lower', latencies);
    data.follow = { events: latencies.length, ...s };
    data.cost_met = worst <= CHANGE_LOG_TARGET;
    data.follow_met = (s.p95 ?? Infinity) <= FOLLOW_TARGET_MS;
    rows.push([`events --follow, ${latencies.length} events`, `p50 ${fmt(s.p50, 1)} ms, p95 ${fmt(s.p95, 1)} ms, max ${fmt(s.max, 1)} ms`, '', data.follow_met ? `met (p95 <=${FOLLOW_TARGET_MS} ms)` : `NOT MET (p95 >${FOLLOW_TARGET_MS} ms)`]);
    return { data, table: { headers: ['what', 'cycles/s (median) or latency', 'cost of the log', 'target'], rows } };
  },
});
