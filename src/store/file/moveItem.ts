/**
 * WorkStore.move on files: one item leaves its list (an active shard, a backlog segment, the
 * waiting or dead list) for another, or is updated where it is, in one all-or-nothing transaction.
 *
 * The files to lock depend on the decision (a finished item's log and its agent's counters; the
 * backlog segment its age belongs in), so the decision is first tried on a lock-free look, its
 * files are locked, and it is taken again on the item as it is under the locks. If that second
 * decision needs a file not locked (the item changed meanwhile), everything is let go and tried
 * again with the right files. Nothing is written unless the decision was taken under the locks.
 */
import type { LockStats } from '../../lock/acquireLocks.js';
import { priorityRank } from '../../model/claimOrder.js';
import { shardFor } from '../../model/shardFor.js';
import { recordChange } from '../../model/changeEvent.js';
import type { WorkItem } from '../../model/types.js';
import type { Decide, LivePlace, Move, MoveOptions, MoveOutcome } from '../WorkStore.js';
import { creditShard } from './creditCompletion.js';
import { listSegments, type Segment } from './listSegments.js';
import { insertByAge, returnTarget } from './returnTarget.js';
import { segmentChange } from './segmentChange.js';
import type { Store, TxnView } from './Store.js';
import { agentStatsFile, completedFile, DEAD_FILE, WAITING_FILE } from './storeFiles.js';
import { readItems, readStats, readWaiting, type StatsShard } from './storeShapes.js';

interface Source {
  place: LivePlace;
  file: string;
  /** The backlog segment it is in, and the segments listed with it (for segmentChange). */
  seg?: Segment;
  segs: Segment[];
  item?: WorkItem;
}

/** Where the item is, looking in `from` in the order items move (see FileWorkStore.find). */
async function locate(store: Store, id: string, from: readonly LivePlace[]): Promise<Source | null> {
  const order: LivePlace[] = ['backlog', 'waiting', 'dead', 'active'];
  for (const place of order.filter((p) => from.includes(p))) {
    if (place === 'backlog') {
      const segs = await listSegments(store);
      for (const seg of segs) {
        const item = (await readItems(store, seg.file)).find((w) => w.work_item_id === id);
        if (item) return { place, file: seg.file, seg, segs, item };
      }
      continue;
    }
    const file = place === 'active' ? store.activeFile(id) : place === 'waiting' ? WAITING_FILE : DEAD_FILE;
    const item = (await readItems(store, file)).find((w) => w.work_item_id === id);
    if (item) return { place, file, segs: [], item };
  }
  return null;
}

interface Target {
  files: string[];
  /** The backlog segment a returning item goes to. */
  segment?: string;
}

/** With `view` (under the locks), an active shard is the one the layout says now. */
async function targetOf(store: Store, mv: Move, source: Source, view?: TxnView): Promise<Target> {
  const id = mv.item.work_item_id;
  switch (mv.to) {
    case 'active':
      return { files: [view ? await view.activeFile(id) : store.activeFile(id)] };
    case 'waiting':
      return { files: [WAITING_FILE] };
    case 'dead':
      return { files: [DEAD_FILE] };
    case 'finished': {
      const log = completedFile(shardFor(id, store.shards));
      return { files: mv.credit === undefined ? [log] : [log, agentStatsFile(shardFor(mv.credit, store.shards))] };
    }
    case 'backlog': {
      const segs = source.segs.length ? source.segs : await listSegments(store);
      const seg = await returnTarget(store, segs, priorityRank(mv.item.priority), id);
      return { files: [seg.file], segment: seg.file };
    }
  }
}

const RETRY = 'retry' as const;

export async function moveItem(store: Store, stats: LockStats, clock: () => number, id: string, from: readonly LivePlace[], decide: Decide, options: MoveOptions = {}): Promise<MoveOutcome> {
  // Progress and heartbeats know the file and keep the item there: no look before the lock.
  let quick = !!options.inPlace && from.length === 1 && from[0] === 'active';
  let misses = 0;
  for (;;) {
    let source: Source | null;
    let target: Target = { files: [] };
    if (quick) {
      source = { place: 'active', file: store.activeFile(id), segs: [] };
    } else {
      source = await locate(store, id, from);
      if (!source) {
        // An item moving between two lists can be missed by a lock-free look, or a split may
        // have moved it to another shard: look again, with the layout as it is now.
        if (++misses >= 3) return { status: 'missing' };
        await store.readLayout();
        continue;
      }
      const trial = decide(source.item!, clock(), { place: source.place, dependents: [] });
      if (!trial) return { status: 'kept' };
      target = await targetOf(store, trial, source);
    }
    const src = source;
    const tgt = target;
    const files = [...new Set([src.file, ...tgt.files, ...(options.dependents ? [WAITING_FILE] : [])])];
    const outcome = await store.transact<MoveOutcome | typeof RETRY>(files, stats, async (view) => {
      const items = await readItems(view, src.file);
      const idx = items.findIndex((w) => w.work_item_id === id);
      if (idx < 0) return { result: RETRY };
      const item = items[idx]!;
      const dependents = options.dependents ? (await readWaiting(view)).filter((w) => w.depends_on?.includes(id)).map((w) => w.work_item_id) : [];
      const nowMs = clock();
      const decided = decide(item, nowMs, { place: src.place, dependents });
      if (!decided) return { result: { status: 'kept' } };
      // The change log's event goes in this commit; the item's revision records it (changeEvent.ts).
      const change = recordChange(decided.event, item, decided.item, src.place, decided.to, nowMs, decided.to === 'finished' ? decided.credit : undefined);
      const mv: Move = { ...decided, item: change.item };
      const inPlace = mv.to === src.place;
      // A returning item goes to the segment locked for it (chosen by age a moment ago), as before.
      const dest = inPlace ? tgt : mv.to === 'backlog' && tgt.segment ? tgt : await targetOf(store, mv, src, view);
      if (dest.files.some((f) => !files.includes(f))) return { result: RETRY };
      const writes = new Map<string, unknown>();
      const deletes: string[] = [];
      const appends = new Map<string, string>();
      if (inPlace) {
        const next = items.slice();
        next[idx] = mv.item;
        writes.set(src.file, next);
      } else {
        const rest = items.filter((_, i) => i !== idx);
        const left = src.seg ? segmentChange(src.seg, rest, src.segs) : { writes: [[src.file, rest]] as [string, unknown][], deletes: [] };
        for (const [f, v] of left.writes) writes.set(f, v);
        deletes.push(...left.deletes);
        await arrive(store, view, mv, dest, writes, appends);
      }
      return { writes, deletes, appends, events: [change.event], result: { status: 'moved', item: mv.item, from: src.place } };
    });
    if (outcome !== RETRY) return outcome;
    quick = false; // the item was not where a quick look assumed, or needs other files: look first
    misses = 0;
  }
}

/** Adds the moved item to its new list (or log and counters). */
async function arrive(store: Store, view: TxnView, mv: Move, tgt: Target, writes: Map<string, unknown>, appends: Map<string, string>): Promise<void> {
  const file = tgt.files[0]!;
  switch (mv.to) {
    case 'finished': {
      appends.set(file, JSON.stringify(mv.item) + '\n');
      if (mv.credit !== undefined) {
        const stats = structuredClone(await readStats(view, shardFor(mv.credit, store.shards))) as StatsShard;
        creditShard(stats, mv.credit, mv.item);
        writes.set(tgt.files[1]!, stats);
      }
      return;
    }
    case 'backlog':
      writes.set(file, insertByAge(await readItems(view, file), mv.item));
      return;
    default:
      writes.set(file, [...(await readItems(view, file)), mv.item]);
  }
}
