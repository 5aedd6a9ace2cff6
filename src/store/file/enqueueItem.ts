/**
 * WorkStore.enqueue on files: a new item goes to the tail segment of its priority, or to the
 * waiting list. Each dependency's completed log stays locked while `decide` looks at it, so a
 * completion cannot slip between the check and the write (completions append to those logs, and
 * then look in the waiting list for items to promote).
 */
import type { LockStats } from '../../lock/acquireLocks.js';
import { priorityRank } from '../../model/claimOrder.js';
import { recordChange } from '../../model/changeEvent.js';
import type { WorkItem } from '../../model/types.js';
import { listSegments, tailOf } from './listSegments.js';
import type { Store } from './Store.js';
import { BACKLOG_SEGMENT_SIZE, segmentFile, WAITING_FILE } from './storeFiles.js';
import { readItems, readWaiting, workFiles } from './storeShapes.js';

export async function enqueueItem(
  store: Store,
  stats: LockStats,
  clock: () => number,
  item: WorkItem,
  deps: readonly string[],
  decide: (finished: ReadonlyMap<string, WorkItem | undefined>) => 'backlog' | 'waiting',
): Promise<WorkItem> {
  const rank = priorityRank(item.priority);
  const depLogs = [...new Set(deps.map((d) => workFiles(store, d).completedFile))];
  let seq: number | undefined;
  for (;;) {
    const tailSeq = Math.max(seq ?? 0, tailOf(await listSegments(store), rank)?.seq ?? 1);
    const file = segmentFile(rank, tailSeq);
    const files = deps.length ? [file, WAITING_FILE, ...depLogs] : [file];
    const outcome = await store.transact(files, stats, async (view) => {
      const finished = new Map<string, WorkItem | undefined>();
      for (const dep of deps) {
        const log = await store.readLog<WorkItem>(workFiles(store, dep).completedFile);
        finished.set(dep, log.find((w) => w.work_item_id === dep));
      }
      if (deps.length && decide(finished) === 'waiting') {
        const waiting = recordChange('added', null, { ...item, status: 'waiting' }, null, 'waiting', clock());
        return { writes: new Map([[WAITING_FILE, [...(await readWaiting(view)), waiting.item]]]), events: [waiting.event], result: waiting.item };
      }
      const seg = await readItems(view, file);
      // A full tail, or one that is no longer the tail, sends us to the next sequence number.
      const later = await store.exists(segmentFile(rank, tailSeq + 1));
      if (seg.length >= BACKLOG_SEGMENT_SIZE || later) return { result: null };
      const added = recordChange('added', null, item, null, 'backlog', clock());
      return { writes: new Map([[file, [...seg, added.item]]]), events: [added.event], result: added.item };
    });
    if (outcome) return outcome;
    seq = tailSeq + 1;
  }
}
