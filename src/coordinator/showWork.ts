import { SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { validateWorkId } from '../model/validate.js';
import type { OpContext } from './OpContext.js';
import { markBlocked } from './markBlocked.js';

/** One item by id, wherever it is: backlog, waiting, claimed, dead, finished or archived. */
export async function showWork(ctx: OpContext, workId: string): Promise<WorkItem> {
  const id = validateWorkId(workId);
  await ctx.store.settle();
  const found = await ctx.store.find(id);
  if (!found) throw new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
  if (found.place !== 'waiting') return found.item;
  const dead = new Set((await ctx.store.list(['dead'], 'show')).map((w) => w.work_item_id));
  return markBlocked([found.item], dead)[0]!;
}
