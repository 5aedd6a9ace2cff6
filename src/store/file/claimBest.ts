/**
 * WorkStore.claimNext on files: the best claimable backlog item leaves its segment and enters its
 * active shard in one transaction, under the segment's lock (every claimer of that item needs it)
 * and then the shard's (which sorts after every segment). Cost does not grow with the backlog: it
 * reads segments only until one has a claimable item.
 *
 * Damage is stepped around: a damaged segment is passed over (its items stay where they are), and
 * an item whose active shard is damaged is left queued while the next one is taken.
 */
import { SwarmError, isSwarmError } from '../../errors.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import { isClaimable, type ClaimFilter } from '../../model/claimOrder.js';
import type { WorkItem } from '../../model/types.js';
import { unlessDamaged, warnDamage } from '../containDamage.js';
import type { ClaimOutcome } from '../WorkStore.js';
import { listSegments, type Segment } from './listSegments.js';
import { segmentChange } from './segmentChange.js';
import type { Store } from './Store.js';
import { readItems } from './storeShapes.js';

export async function claimBest(store: Store, stats: LockStats, clock: () => number, filter: ClaimFilter, claim: (item: WorkItem, nowMs: number) => WorkItem): Promise<ClaimOutcome> {
  const skip = new Set<string>();
  for (;;) {
    const outcome = await claimFromSegments(store, stats, clock, await listSegments(store), filter, claim, skip);
    if (outcome !== 'raced') return outcome;
  }
}

async function claimFromSegments(
  store: Store,
  stats: LockStats,
  clock: () => number,
  segs: Segment[],
  filter: ClaimFilter,
  claim: (item: WorkItem, nowMs: number) => WorkItem,
  skip: Set<string>,
): Promise<ClaimOutcome | 'raced'> {
  let nextRetryMs: number | undefined;
  const claimable = (w: WorkItem, nowMs: number) => !skip.has(w.work_item_id) && isClaimable(w, nowMs, filter);
  for (const seg of segs) {
    const peek = await unlessDamaged('claim-next', () => readItems(store, seg.file), [] as WorkItem[]);
    const nowMs = clock();
    if (!peek.some((w) => claimable(w, nowMs))) {
      for (const w of peek) {
        const t = w.retry_at ? Date.parse(w.retry_at) : Number.NaN;
        if (t > nowMs && isClaimable(w, t, filter)) nextRetryMs = Math.min(nextRetryMs ?? t, t);
      }
      continue;
    }
    let chosenId: string | undefined;
    const item = await store.transact([seg.file], stats, async (view) => {
      const items = await readItems(view, seg.file);
      const now = clock();
      const idx = items.findIndex((w) => claimable(w, now));
      if (idx < 0) return { result: null };
      const chosen = items[idx]!;
      chosenId = chosen.work_item_id;
      // Routed by the layout as last seen; checked afresh once held (a held shard cannot split).
      const file = store.activeFile(chosen.work_item_id);
      await view.lock(file);
      if ((await view.activeFile(chosen.work_item_id)) !== file) return { result: null };
      const active = await readItems(view, file);
      if (active.some((w) => w.work_item_id === chosen.work_item_id)) {
        throw new SwarmError('STORE_CORRUPT', `${chosen.work_item_id} is both queued in ${seg.file} and active in ${file}; nothing was changed`, { work_item_id: chosen.work_item_id });
      }
      const claimed = claim(chosen, now);
      const change = segmentChange(seg, items.filter((_, i) => i !== idx), segs);
      return {
        writes: new Map<string, unknown>([...change.writes, [file, [...active, claimed]]]),
        deletes: change.deletes,
        result: claimed,
      };
    }).catch((err: unknown) => {
      // The segment itself was fine a moment ago; a damaged shard of the chosen item is not.
      if (!isSwarmError(err, 'STORE_CORRUPT') || chosenId === undefined || err.details?.path === store.path(seg.file)) throw err;
      warnDamage(err, 'claim-next');
      skip.add(chosenId);
      return null;
    });
    return item ? { item } : 'raced';
  }
  return { nextRetryMs };
}

/** What claimBest would hand out now, in its order (at most `limit` items). */
export async function listClaimable(store: Store, clock: () => number, filter: ClaimFilter, limit: number): Promise<WorkItem[]> {
  const out: WorkItem[] = [];
  const nowMs = clock();
  for (const seg of await listSegments(store)) {
    for (const w of await unlessDamaged('ready', () => readItems(store, seg.file), [])) {
      if (!isClaimable(w, nowMs, filter)) continue;
      out.push(w);
      if (out.length >= limit) return out;
    }
  }
  return out;
}
