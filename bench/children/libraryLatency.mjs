// @ts-check
/** Child process: sequential claim/progress/complete rounds through the library (and add/claim-next with `queue`); prints samples. */
/** @type {{ dir: string, rounds: number, library: string, queue: boolean }} */
const spec = JSON.parse(process.argv[2]);
const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(spec.library));
const coord = await Coordinator.open({ ...(/^postgres(ql)?:\/\//.test(spec.dir) ? { storeUrl: spec.dir } : { dir: spec.dir }), agentId: 'bench_library' });
/** @type {Record<string, number[]>} */
const samples = { claim: [], progress: [], complete: [], ...(spec.queue ? { add: [], 'claim-next': [] } : {}) };
/**
 * @template T
 * @param {string} op
 * @param {() => Promise<T>} fn
 */
const time = async (op, fn) => {
  const t = performance.now();
  const v = await fn();
  samples[op].push(performance.now() - t);
  return v;
};
for (let r = 0; r < spec.rounds; r++) {
  const item = await time('claim', () => coord.claim({ workType: 'benchmark', description: `library ${r}`, priority: 'medium', team: 'bench_team' }));
  await time('progress', () => coord.progress(item.work_item_id, 50, 'in_progress'));
  await time('complete', () => coord.complete(item.work_item_id, { result: 'success', velocityPoints: 3 }));
  if (spec.queue) {
    // One item through the work queue: nothing else is queued, so claim-next takes this one.
    const added = await time('add', () => coord.add({ workType: 'benchmark', description: `library queue ${r}`, priority: 'medium', team: 'bench_team' }));
    const next = await time('claim-next', () => coord.claimNext());
    if (next.work_item_id !== added.work_item_id) throw new Error(`claim-next took ${next.work_item_id}, not ${added.work_item_id}`);
    await coord.complete(next.work_item_id, { result: 'success', velocityPoints: 1 });
  }
}
await coord.close();
process.stdout.write(JSON.stringify({ samples, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
