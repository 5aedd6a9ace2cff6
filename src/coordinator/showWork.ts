import { SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { validateWorkId } from '../model/validate.js';
import type { OpContext } from './OpContext.js';
import { findCompleted, readShard, workFiles } from './storeShapes.js';

/** One item by id, active or completed. */
export async function showWork(ctx: OpContext, workId: string): Promise<WorkItem> {
  const id = validateWorkId(workId);
  await ctx.store.settle(ctx.lockStats);
  const active = (await readShard(ctx.store, workFiles(ctx.store, id).shard)).find((w) => w.work_item_id === id);
  const item = active ?? (await findCompleted(ctx.store, id));
  if (!item) throw new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
  return item;
}
