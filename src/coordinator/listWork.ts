import type { WorkItem } from '../model/types.js';
import { completedFile } from '../store/storeFiles.js';
import type { OpContext } from './OpContext.js';
import { readShard } from './storeShapes.js';

export interface ListFilter {
  /** Only items in this status (`completed` reads the completed logs). */
  status?: string;
  team?: string;
  agentId?: string;
  /** Also include completed items. */
  all?: boolean;
}

/** Every active item (and completed ones when asked), oldest first, as a consistent per-file snapshot. */
export async function listWork(ctx: OpContext, filter: ListFilter = {}): Promise<WorkItem[]> {
  await ctx.store.settle(ctx.lockStats);
  const n = ctx.store.shards;
  const wantCompleted = filter.all || filter.status === 'completed';
  const wantActive = filter.status !== 'completed';
  const parts = await Promise.all(
    Array.from({ length: n }, async (_, i) => [
      ...(wantActive ? await readShard(ctx.store, i) : []),
      ...(wantCompleted ? await ctx.store.readLog<WorkItem>(completedFile(i)) : []),
    ]),
  );
  const items = parts.flat().filter(
    (w) =>
      (filter.status === undefined || w.status === filter.status) &&
      (filter.team === undefined || w.team === filter.team) &&
      (filter.agentId === undefined || w.agent_id === filter.agentId),
  );
  // Ids are time-ordered (work_<ns>); compare as numbers of equal width, falling back to text.
  return items.sort((a, b) => a.work_item_id.length - b.work_item_id.length || (a.work_item_id < b.work_item_id ? -1 : a.work_item_id > b.work_item_id ? 1 : 0));
}
