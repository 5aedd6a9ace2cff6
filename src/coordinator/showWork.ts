import { SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { validateWorkId } from '../model/validate.js';
import { findItem } from './findItem.js';
import type { OpContext } from './OpContext.js';

/** One item by id, wherever it is: backlog, waiting, claimed, dead, finished or archived. */
export async function showWork(ctx: OpContext, workId: string): Promise<WorkItem> {
  const id = validateWorkId(workId);
  await ctx.store.settle(ctx.lockStats);
  const found = await findItem(ctx.store, id);
  if (!found) throw new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
  return found.item;
}
