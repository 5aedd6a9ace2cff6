import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validatePercent, validateProgressStatus, validateWorkId } from '../model/validate.js';
import type { OpContext } from './OpContext.js';
import { missingItemError } from './missingItemError.js';
import { readShard, workFiles } from './storeShapes.js';

/** Records progress on an active item (SwarmSH's `progress <id> <percent> [status]`). */
export async function progressWork(ctx: OpContext, workId: string, percent: number | string, status: string = 'in_progress'): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const pct = validatePercent(percent);
  const st = validateProgressStatus(status);
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  ctx.span.setAttribute('store.shard', files.shard);
  return ctx.store.transact([files.shardFile], ctx.lockStats, async (view) => {
    const items = await readShard(view, files.shard);
    const idx = items.findIndex((w) => w.work_item_id === id);
    if (idx < 0) throw await missingItemError(ctx.store, id, 'progress');
    const updated: WorkItem = { ...items[idx]!, progress: pct, status: st, last_update: isoSeconds() };
    const next = items.slice();
    next[idx] = updated;
    return { writes: new Map([[files.shardFile, next]]), result: updated };
  });
}
