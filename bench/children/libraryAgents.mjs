// @ts-check
/**
 * Child process of the library workload: N agents, each its own Coordinator, sharing one process.
 * Argument: a JSON spec {dir, agents, cycles, durationS, library}. Prints one JSON result on stdout.
 */
/** @import { CycleSample, LedgerLists, OpSample } from '../types.js' */

/** @type {{ dir: string, agents: number, cycles: number | null, durationS: number | null, library: string }} */
const spec = JSON.parse(process.argv[2]);
const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(spec.library));
/** @type {LedgerLists} */
const ledger = { claimed: [], progressed: [], completed: [] };
/** @type {OpSample[]} */
const ops = [];
/** @type {CycleSample[]} */
const cycles = [];
let failures = 0;
let t0 = performance.now();
let deadline = spec.durationS ? t0 + spec.durationS * 1000 : Infinity;
const maxCycles = spec.cycles ?? Infinity;

/**
 * @template T
 * @param {number} agent
 * @param {string} op
 * @param {number} c0 when the cycle started
 * @param {() => Promise<T>} fn
 * @returns {Promise<T | undefined>} undefined when it failed
 */
async function timed(agent, op, c0, fn) {
  const s = performance.now();
  try {
    const v = await fn();
    ops.push({ agent, op, start_ms: c0 - t0, ms: performance.now() - s, ok: true, code: 0 });
    return v;
  } catch (err) {
    failures++;
    ops.push({ agent, op, start_ms: c0 - t0, ms: performance.now() - s, ok: false, code: /** @type {{ code?: string }} */ (err).code ?? 'INTERNAL' });
    return undefined;
  }
}

/**
 * @param {number} a
 * @param {import('../../src/index.js').Coordinator} coord
 */
async function agent(a, coord) {
  try {
    for (let c = 0; c < maxCycles && performance.now() < deadline; c++) {
      const c0 = performance.now();
      const item = await timed(a, 'claim', c0, () => coord.claim({ workType: 'benchmark', description: `cycle ${c} of agent ${a}`, priority: 'medium', team: 'bench_team' }));
      let ok = false;
      if (item) {
        const id = item.work_item_id;
        ledger.claimed.push(id);
        const p = await timed(a, 'progress', c0, () => coord.progress(id, 50, 'in_progress'));
        if (p) ledger.progressed.push(id);
        const d = await timed(a, 'complete', c0, () => coord.complete(id, { result: 'success', velocityPoints: 3 }));
        if (d) ledger.completed.push(id);
        ok = !!p && !!d;
      }
      cycles.push({ agent: a, ms: performance.now() - c0, ok });
    }
  } finally {
    await coord.close();
  }
}

// Opened one after another: concurrent first opens of a new store in one process collide on the
// format file's temp name (openStore uses `.init-<pid>`), reported to the core engineer.
const coords = [];
for (let a = 0; a < spec.agents; a++) coords.push(await Coordinator.open({ ...(/^postgres(ql)?:\/\//.test(spec.dir) ? { storeUrl: spec.dir } : { dir: spec.dir }), agentId: `lib_agent_${a}` }));
t0 = performance.now();
deadline = spec.durationS ? t0 + spec.durationS * 1000 : Infinity;
await Promise.all(coords.map((c, a) => agent(a, c)));
process.stdout.write(JSON.stringify({ wallMs: performance.now() - t0, ops, cycles, failures, ledger, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
