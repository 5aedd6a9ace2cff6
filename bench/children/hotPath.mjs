// @ts-check
/**
 * Child process: N library agents in this one process run cycles against one store, all at once.
 * `claim` mode: each agent does claim -> progress 50 -> complete, `cycles` times. `claimnext` mode:
 * each does claim-next -> progress 50 -> complete until claim-next finds nothing (the backlog was
 * filled beforehand). Prints the wall time, the cycles done and what each agent was told.
 */
/** @type {{ dir: string, agents: number, cycles: number, mode: 'claim' | 'claimnext', library: string }} */
const spec = JSON.parse(process.argv[2]);
const { Coordinator, isSwarmError } = /** @type {typeof import('../../src/index.js')} */ (await import(spec.library));
const coords = await Promise.all(Array.from({ length: spec.agents }, (_, i) => Coordinator.open({ dir: spec.dir, agentId: `bench_hot_${i}` })));
/** @type {{ claimed: string[], progressed: string[], completed: string[], claims: string[] }} */
const told = { claimed: [], progressed: [], completed: [], claims: [] };
/** @type {number[]} */
const cycleMs = [];
/** @param {import('../../src/index.js').Coordinator} c */
async function agent(c) {
  for (let n = 0; spec.mode === 'claimnext' || n < spec.cycles; n++) {
    const t = performance.now();
    let id;
    if (spec.mode === 'claim') {
      id = (await c.claim({ workType: 'benchmark', description: `hot path ${n}`, priority: 'medium', team: 'bench_team' })).work_item_id;
    } else {
      try {
        id = (await c.claimNext()).work_item_id;
      } catch (err) {
        if (isSwarmError(err, 'NOTHING_CLAIMABLE')) return;
        throw err;
      }
      told.claims.push(id);
    }
    told.claimed.push(id);
    await c.progress(id, 50, 'in_progress');
    told.progressed.push(id);
    await c.complete(id, { result: 'success', velocityPoints: 1 });
    told.completed.push(id);
    cycleMs.push(performance.now() - t);
  }
}
const started = performance.now();
await Promise.all(coords.map(agent));
const wallMs = performance.now() - started;
for (const c of coords) await c.close();
process.stdout.write(JSON.stringify({ wallMs, cycles: cycleMs.length, cycleMs, told }));
