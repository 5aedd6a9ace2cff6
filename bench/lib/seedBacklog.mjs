// @ts-check
/**
 * Work-queue backlogs for the benchmarks: written straight as segment files in the exact layout
 * `add` produces (writeBacklogSegments, checked through the CLI by verifySeed), or filled with real
 * `add` calls through the library (seedWithAdd).
 */
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { spawnQueueHelper } from './childProcesses.mjs';
import { ROOT } from './targets.mjs';

/**
 * Writes `n` pending items straight into backlog segment files, in exactly the layout `add`
 * produces (src/store/file/storeFiles.ts, src/store/file/enqueueItem.ts): `backlog.<rank>.<seq>.json`,
 * seq from 1, BACKLOG_SEGMENT_SIZE items per segment, JSON.stringify(items, null, 2) + '\n', items
 * shaped as addWork builds them. Ids are `work_<ns>` in creation order (10 ms apart, starting a day
 * ago), so later `add`s sort after them. The store must exist (format file) and have no backlog.
 * Returns the ids in claim order.
 * @param {string} dir
 * @param {number} n
 * @param {{ priority?: import('../../src/index.js').Priority, team?: string, workType?: string }} [options]
 */
export async function writeBacklogSegments(dir, n, { priority = 'medium', team = 'bench_team', workType = 'benchmark' } = {}) {
  // The built modules, typed by their sources.
  /** @type {typeof import('../../src/store/file/storeFiles.js')} */
  const { segmentFile, BACKLOG_SEGMENT_SIZE } = await import(join(ROOT, 'dist/store/file/storeFiles.js'));
  /** @type {typeof import('../../src/model/claimOrder.js')} */
  const { priorityRank } = await import(join(ROOT, 'dist/model/claimOrder.js'));
  /** @type {typeof import('../../src/model/now.js')} */
  const { isoSeconds } = await import(join(ROOT, 'dist/model/now.js'));
  /** @type {typeof import('../../src/model/changeEvent.js')} */
  const { recordChange } = await import(join(ROOT, 'dist/model/changeEvent.js'));
  /** @type {typeof import('../../src/store/file/eventLanes.js')} */
  const { laneFile, EVENT_DIR } = await import(join(ROOT, 'dist/store/file/eventLanes.js'));
  // Each item's `added` event goes to the change log as add writes it (one lane: nothing else runs yet).
  await fs.mkdir(join(dir, EVENT_DIR), { recursive: true });
  if (!existsSync(join(dir, 'swarmfile.json'))) throw new Error(`writeBacklogSegments: ${dir} is not a store (no swarmfile.json)`);
  if ((await fs.readdir(dir)).some((f) => f.startsWith('backlog.'))) throw new Error(`writeBacklogSegments: ${dir} already has a backlog`);
  const rank = priorityRank(priority);
  const firstStep = BigInt(Date.now() - 86_400_000) / 10n; // 10 ms steps, as generateId
  /** @type {string[]} */
  const ids = [];
  /** @type {string[]} */
  const lines = [];
  for (let seq = 1, i = 0; i < n; seq++) {
    const items = [];
    for (; i < n && items.length < BACKLOG_SEGMENT_SIZE; i++) {
      const step = firstStep + BigInt(i);
      const id = `work_${step * 10_000_000n}`;
      const at = isoSeconds(Number(step * 10n));
      ids.push(id);
      /** @type {import('../../src/index.js').WorkItem} */
      const item = { work_item_id: id, agent_id: null, work_type: workType, description: `seeded item ${i}`, priority, team, status: 'pending', progress: 0, created_at: at, claimed_at: null, last_update: at, attempts: 0, fencing_token: 0 };
      const added = recordChange('added', null, item, null, 'backlog', Number(step * 10n));
      items.push(added.item);
      lines.push(JSON.stringify(added.event) + '\n');
    }
    await fs.appendFile(join(dir, laneFile(0)), lines.splice(0).join(''));
    const file = join(dir, segmentFile(rank, seq));
    await fs.writeFile(`${file}.seed`, JSON.stringify(items, null, 2) + '\n');
    await fs.rename(`${file}.seed`, file);
  }
  return ids;
}

/**
 * Checks a seeded store through the CLI: `ready --limit 3` and `list --status pending` line count.
 * @param {import('../types.js').BenchContext} ctx
 * @param {string} dir
 * @param {string[]} ids
 * @param {Record<string, string>} env
 */
export async function verifySeed(ctx, dir, ids, env) {
  const ready = await ctx.cli(['ready', '--limit', '3', '--json'], { ...env, COORDINATION_DIR: dir });
  if (ready.code !== 0) throw new Error(`claimnext: ready exited ${ready.code}: ${ready.stderr.trim()}`);
  /** @type {import('../../src/index.js').WorkItem[]} */
  const readyItems = JSON.parse(ready.stdout);
  const first = readyItems.map((w) => w.work_item_id);
  const list = await ctx.cli(['list', '--status', 'pending'], { ...env, COORDINATION_DIR: dir });
  if (list.code !== 0) throw new Error(`claimnext: list exited ${list.code}: ${list.stderr.trim()}`);
  const rows = list.stdout.split('\n').filter(Boolean).length - 1; // minus the header line
  const problems = [];
  if (first.join() !== ids.slice(0, 3).join()) problems.push(`ready --limit 3 gave ${first.join(', ')}, seeded ${ids.slice(0, 3).join(', ')}`);
  if (rows !== ids.length) problems.push(`list --status pending shows ${rows} items, seeded ${ids.length}`);
  if (problems.length) throw new Error(`claimnext: seeded store ${dir} does not read back: ${problems.join('; ')}`);
  return { ready_ms: ready.ms, list_ms: list.ms, list_rows: rows };
}

/**
 * Fills each store's backlog with real `add` calls (one library process, SWARMFILE_FSYNC=0).
 * @param {{ dir: string, n: number }[]} stores
 * @param {Record<string, string>} env
 * @returns {Promise<Record<string, string[]>>} the ids added, by store directory
 */
export async function seedWithAdd(stores, env) {
  const p = spawnQueueHelper('claimnext seed', { mode: 'seed', stores }, { ...process.env, ...env, SWARMFILE_FSYNC: '0' });
  const done = await p.waitFor((e) => e.event === 'done', 300_000);
  await p.exit();
  return done.ids;
}
