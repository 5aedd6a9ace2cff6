import { compareIds } from '../../model/claimOrder.js';
import type { WorkItem } from '../../model/types.js';
import type { Store } from './Store.js';
import { segmentFile } from './storeFiles.js';
import { readItems } from './storeShapes.js';
import { tailOf, type Segment } from './listSegments.js';

/**
 * Where an item coming back to the backlog (released, reclaimed, retried, requeued, unblocked)
 * goes so that its rank stays in creation order: the first segment whose last item is newer than
 * it, else the tail. Items that come back are usually older than everything queued, so this is
 * normally the first segment read.
 */
export async function returnTarget(store: Store, segs: readonly Segment[], rank: number, id: string): Promise<Segment> {
  for (const s of segs) {
    if (s.rank !== rank) continue;
    const items = await readItems(store, s.file);
    const last = items[items.length - 1];
    if (last && compareIds(last.work_item_id, id) > 0) return s;
  }
  return tailOf(segs, rank) ?? { file: segmentFile(rank, 1), rank, seq: 1 };
}

/** `items` with `item` inserted before the first newer one. */
export function insertByAge(items: readonly WorkItem[], item: WorkItem): WorkItem[] {
  const at = items.findIndex((w) => compareIds(w.work_item_id, item.work_item_id) > 0);
  return at < 0 ? [...items, item] : [...items.slice(0, at), item, ...items.slice(at)];
}
