/**
 * One step of the active shards' growth (shardLayout.ts): the next shard in line is divided into
 * itself and a new shard, and the format file's `active_shards` goes up by one, in one transaction
 * over those three files.
 *
 * Operations route an id with the count they last saw and, holding the shard's lock, check it
 * against the count as it is now (TxnView.activeFile): a shard cannot split while someone holds
 * it, so a check that agrees is final. Readers without locks read the count before and after
 * reading the shards and read again if it changed; the split applies its changes in an order that
 * makes that enough: the new shard first, then the count, then the divided shard. A reader that
 * saw the old count throughout saw the divided shard whole; one that saw the new count saw the
 * moved items in the new shard (perhaps in both: readers drop the second copy). A reader that
never sees the count hold still reads under the format file's lock (FileWorkStore.readActive).
 */
import type { LockStats } from '../../lock/acquireLocks.js';
import type { WorkItem } from '../../model/types.js';
import { activeShardsOf, isFormat, nextSplit, shardOfId, type FormatRecord } from './shardLayout.js';
import type { Store } from './Store.js';
import { FORMAT_FILE, FORMAT_VERSION, shardFile } from './storeFiles.js';
import { isItemArray } from './storeShapes.js';

/** Performs the next split unless another process did it first; true when this call did. */
export async function splitShard(store: Store, stats: LockStats): Promise<boolean> {
  const count = await store.readLayout();
  const base = store.shards;
  const { from, to } = nextSplit(base, count);
  const fromFile = shardFile(from, base);
  const toFile = shardFile(to, base);
  store.ensureShardDir();
  return store.transact([FORMAT_FILE, fromFile, toFile], stats, async (view) => {
    const rec = await view.readJson<FormatRecord | null>(FORMAT_FILE, null, isFormat);
    if (!rec || activeShardsOf(rec) !== count) return { result: false }; // someone split meanwhile
    const items = await view.readJson<WorkItem[]>(fromFile, [], isItemArray);
    // Not there before this split, so normally absent; anything in it stays.
    const already = await view.readJson<WorkItem[]>(toFile, [], isItemArray);
    const stay: WorkItem[] = [];
    const moved: WorkItem[] = [...already];
    for (const w of items) (shardOfId(w.work_item_id, base, count + 1) === from ? stay : moved).push(w);
    const next: FormatRecord = { ...rec, version: FORMAT_VERSION, active_shards: count + 1 };
    return {
      writes: new Map<string, unknown>([
        [toFile, moved],
        [FORMAT_FILE, next],
        [fromFile, stay],
      ]),
      ordered: true,
      result: true,
    };
  });
}
