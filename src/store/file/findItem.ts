import { listSegments } from './listSegments.js';
import type { WorkItem } from '../../model/types.js';
import type { Store } from './Store.js';
import { ARCHIVE_DIR, DEAD_FILE, WAITING_FILE } from './storeFiles.js';
import { unlessDamaged } from '../containDamage.js';
import { readArchived } from './readArchived.js';
import { findCompleted, readItems, workFiles } from './storeShapes.js';

export type ItemPlace = 'active' | 'backlog' | 'waiting' | 'dead' | 'finished' | 'archived';

/**
 * Finds an item wherever it is, without locks. Items only move backlog -> active -> finished (or
 * back, or to dead), so places are read in that order; an item caught mid-move by a reclaim is
 * looked for again before giving up. Scans the backlog: O(queued items), for show/cancel/errors.
 */
export async function findItem(store: Store, id: string): Promise<{ item: WorkItem; place: ItemPlace; file: string } | null> {
  for (let pass = 0; pass < 3; pass++) {
    // Looking for one item passes by every list: a damaged one is skipped (with a warning).
    const items = (file: string) => unlessDamaged('looking up an item', () => readItems(store, file), []);
    for (const seg of await listSegments(store)) {
      const item = (await items(seg.file)).find((w) => w.work_item_id === id);
      if (item) return { item, place: 'backlog', file: seg.file };
    }
    for (const [place, file] of [['waiting', WAITING_FILE], ['dead', DEAD_FILE]] as const) {
      const item = (await items(file)).find((w) => w.work_item_id === id);
      if (item) return { item, place, file };
    }
    await store.readLayout();
    const files = workFiles(store, id);
    const active = (await readItems(store, files.shardFile)).find((w) => w.work_item_id === id);
    if (active) return { item: active, place: 'active', file: files.shardFile };
    const done = await findCompleted(store, id);
    if (done) return { item: done, place: 'finished', file: files.completedFile };
  }
  const archived = (await readArchived(store)).find((w) => w.work_item_id === id);
  return archived ? { item: archived, place: 'archived', file: ARCHIVE_DIR } : null;
}
