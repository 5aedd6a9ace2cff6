import { isoSeconds } from '../model/now.js';
import { shardFor } from '../model/shardFor.js';
import type { WorkItem } from '../model/types.js';
import { completedFile, WAITING_FILE } from '../store/storeFiles.js';
import { moveToBacklog } from './moveToBacklog.js';
import type { OpContext } from './OpContext.js';
import { readWaiting } from './storeShapes.js';

/**
 * Moves every waiting item whose dependencies are all completed into the backlog; returns how
 * many moved. Run after a completion that others wait on, and by claim-next and reap when they
 * find nothing claimable (which also repairs a completion that crashed before promoting).
 * Completion is permanent, so reading the completed logs without locks is safe here.
 */
export async function promoteWaiting(ctx: OpContext): Promise<number> {
  const waiting = await readWaiting(ctx.store);
  if (waiting.length === 0) return 0;
  const done = new Map<number, Set<string>>();
  const isDone = async (dep: string) => {
    const shard = shardFor(dep, ctx.store.shards);
    let ids = done.get(shard);
    if (!ids) {
      const log = await ctx.store.readLog<WorkItem>(completedFile(shard));
      ids = new Set(log.filter((w) => w.status === 'completed').map((w) => w.work_item_id));
      done.set(shard, ids);
    }
    return ids.has(dep);
  };
  let moved = 0;
  for (const w of waiting) {
    let ready = true;
    for (const dep of w.depends_on ?? []) {
      if (!(await isDone(dep))) {
        ready = false;
        break;
      }
    }
    if (!ready) continue;
    const next = await moveToBacklog(ctx, WAITING_FILE, w.work_item_id, (item) => ({ ...item, status: 'pending', last_update: isoSeconds(ctx.config.clock()) }), null);
    if (next) moved++;
  }
  return moved;
}
