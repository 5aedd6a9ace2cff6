import { listSegments } from '../backlog/listSegments.js';
import { insertByAge, returnTarget } from '../backlog/returnTarget.js';
import { priorityRank } from '../model/claimOrder.js';
import type { WorkItem } from '../model/types.js';
import type { OpContext } from './OpContext.js';
import { readItems } from './storeShapes.js';

/**
 * Moves item `id` from the item list in `sourceFile` (an active shard, the dead-letter or the
 * waiting list) into the backlog, in one all-or-nothing transaction. `change` sees the item under
 * the locks and returns its backlog form, or null to leave everything as it is (the reason to
 * move no longer holds); it may throw (NOT_OWNER ...). `missing` builds the error for an absent
 * item; when it is null, an absent item (someone else moved it) returns null.
 */
export async function moveToBacklog(
  ctx: OpContext,
  sourceFile: string,
  id: string,
  change: (item: WorkItem) => WorkItem | null,
  missing: (() => Promise<Error>) | null,
): Promise<WorkItem | null> {
  const peek = (await readItems(ctx.store, sourceFile)).find((w) => w.work_item_id === id);
  if (!peek) {
    if (missing) throw await missing();
    return null;
  }
  const target = await returnTarget(ctx.store, await listSegments(ctx.store), priorityRank(peek.priority), id);
  return ctx.store.transact([target.file, sourceFile], ctx.lockStats, async (view) => {
    const items = await readItems(view, sourceFile);
    const item = items.find((w) => w.work_item_id === id);
    if (!item) {
      if (missing) throw await missing();
      return { result: null };
    }
    const next = change(item);
    if (!next) return { result: null };
    const seg = await readItems(view, target.file);
    return {
      writes: new Map<string, unknown>([
        [sourceFile, items.filter((w) => w !== item)],
        [target.file, insertByAge(seg, next)],
      ]),
      result: next,
    };
  });
}
