/**
 * WorkStore.claimNext on files: the best claimable backlog item leaves its segment and enters its
 * active shard in one transaction, under the segment's lock (every claimer of that item needs it)
 * and then the shard's (which sorts after every segment). Cost does not grow with the backlog: it
 * reads segments only until one has a claimable item.
 *
 * Claimers in one process share the head segment instead of queueing on its lock (group commit):
 * every claim-next of the process on the same store joins one queue, and a round serves all the
 * waiting claimers whose best segment is the same in one transaction: one read and one rewrite of
 * the segment, one intent, and the shards of the chosen items. In arrival order, each claimer takes
 * the first item claimable for it that no claimer before it in the round took, which is what it
 * would have got had they gone one after another, except that an item whose active shard another
 * command is writing is passed over for the next one of the same priority, as SKIP LOCKED does
 * (see choose). Claimers in other processes still take turns on the segment's lock.
 *
 * Damage is stepped around: a damaged segment is passed over (its items stay where they are), and
 * an item whose active shard is damaged is left queued while the next one is taken.
 */
import { recordChange, type ChangeEvent } from '../../model/changeEvent.js';
import { SwarmError, isSwarmError } from '../../errors.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import { isClaimable, type ClaimFilter } from '../../model/claimOrder.js';
import { monotonicMs } from '../../model/clock.js';
import type { WorkItem } from '../../model/types.js';
import { unlessDamaged, warnDamage } from '../containDamage.js';
import type { ClaimOutcome } from '../WorkStore.js';
import { listSegments, type Segment } from './listSegments.js';
import { segmentChange } from './segmentChange.js';
import type { Store, TxnView } from './Store.js';
import { readItems } from './storeShapes.js';
import { conflictsOf } from '../../model/pathConflicts.js';
import type { LiveReservation } from '../../model/types.js';
import { candidateRows, liveRows, rowsOf, tableWrites, type ClaimCache } from './reservationIndex.js';
import { RESERVATIONS_FILE } from './storeFiles.js';

type ClaimFn = (item: WorkItem, nowMs: number) => WorkItem;

/** One claim-next call waiting to be served. */
interface Claimer {
  store: Store;
  stats: LockStats;
  clock: () => number;
  filter: ClaimFilter;
  claim: ClaimFn;
  /** Items passed over for this claimer (their active shard is damaged). */
  skip: Set<string>;
  queuedAt: number;
  settled: boolean;
  done(outcome: ClaimOutcome): void;
  fail(err: unknown): void;
}

/** The claimers of this process waiting per store (Store.sharingKey); present while a round runs. */
const queues = new Map<string, Claimer[]>();

export function claimBest(store: Store, stats: LockStats, clock: () => number, filter: ClaimFilter, claim: ClaimFn): Promise<ClaimOutcome> {
  return new Promise<ClaimOutcome>((resolve, reject) => {
    const c: Claimer = {
      store,
      stats,
      clock,
      filter,
      claim,
      skip: new Set(),
      queuedAt: monotonicMs(),
      settled: false,
      done(outcome) {
        c.settled = true;
        resolve(outcome);
      },
      fail(err) {
        c.settled = true;
        reject(err);
      },
    };
    const waiting = queues.get(store.sharingKey);
    if (waiting) {
      waiting.push(c);
      return;
    }
    const queue = [c];
    queues.set(store.sharingKey, queue);
    void serve(store.sharingKey, queue);
  });
}

/** Runs rounds until nobody waits; the queue is dropped in the same turn as it is found empty. */
async function serve(key: string, queue: Claimer[]): Promise<void> {
  try {
    while (queue.length > 0) {
      const round = queue.splice(0);
      try {
        await serveRound(round);
      } catch (err) {
        for (const c of round) if (!c.settled) c.fail(err);
      }
      // Those not served yet go first next round, in their order.
      queue.unshift(...round.filter((c) => !c.settled));
    }
  } finally {
    queues.delete(key);
  }
}

async function serveRound(round: Claimer[]): Promise<void> {
  const { store } = round[0]!;
  const segs = await listSegments(store);
  const best = await bestSegments(store, segs, round);
  // Whoever came first picks the segment; everyone whose best it is too is served with them.
  const seg = round.map((c) => best.get(c)).find((s) => s !== undefined);
  if (!seg) return;
  await claimFrom(store, seg, segs, round.filter((c) => best.get(c) === seg));
}

/**
 * Each claimer's first segment with an item claimable for it (lock-free peeks, in claim order);
 * a claimer with none is told now, with the earliest end of a retry delay it could claim after.
 */
async function bestSegments(store: Store, segs: readonly Segment[], round: readonly Claimer[]): Promise<Map<Claimer, Segment>> {
  const best = new Map<Claimer, Segment>();
  const retryAt = new Map<Claimer, number>();
  for (const seg of segs) {
    if (best.size === round.length) break;
    const peek = await unlessDamaged('claim-next', () => readItems(store, seg.file), [] as WorkItem[]);
    for (const c of round) {
      if (best.has(c)) continue;
      const nowMs = c.clock();
      if (peek.some((w) => claimableFor(c, w, nowMs))) {
        best.set(c, seg);
        continue;
      }
      for (const w of peek) {
        const t = w.retry_at ? Date.parse(w.retry_at) : Number.NaN;
        if (t > nowMs && isClaimable(w, t, c.filter)) retryAt.set(c, Math.min(retryAt.get(c) ?? t, t));
      }
    }
  }
  for (const c of round) if (!best.has(c)) c.done({ nextRetryMs: retryAt.get(c) });
  return best;
}

const claimableFor = (c: Claimer, w: WorkItem, nowMs: number) => !c.skip.has(w.work_item_id) && isClaimable(w, nowMs, c.filter);

interface Choice {
  claimer: Claimer;
  index: number;
  nowMs: number;
  file: string;
}

/**
 * In order, each claimer's first item claimable for it and not taken before it whose active shard
 * this transaction holds or can lock without waiting: an item whose shard another operation is
 * writing is passed over for the next, as SKIP LOCKED does, and stays first in line for the next
 * round. All items of a segment have one priority, so this only ever reorders items of the same
 * priority while their shards are busy. When no candidate's shard is free, the first busy one is
 * waited for (nothing else is held then, so the lock order is kept). An item whose shard is
 * damaged (a symlink in its way) is passed over, with a warning.
 */
async function choose(store: Store, view: TxnView, items: readonly WorkItem[], group: readonly Claimer[], gate?: PathGate): Promise<Choice[]> {
  const chosen: Choice[] = [];
  const taken = new Set<number>();
  const held = new Set<string>();
  const busy = new Set<string>();
  const damaged = new Set<string>();
  // Routed by the layout as last seen; checked afresh once held (a held shard cannot split).
  const fileOf = (i: number) => store.activeFile(items[i]!.work_item_id);
  let waitFor: Choice | undefined;
  for (const claimer of group) {
    const nowMs = claimer.clock();
    for (let index = 0; index < items.length; index++) {
      if (taken.has(index) || !claimableFor(claimer, items[index]!, nowMs)) continue;
      if (gate && !(await gate.admits(items[index]!))) {
        claimer.skip.add(items[index]!.work_item_id);
        continue;
      }
      const choice = { claimer, index, nowMs, file: fileOf(index) };
      if (damaged.has(choice.file)) {
        claimer.skip.add(items[index]!.work_item_id);
        continue;
      }
      if (!busy.has(choice.file) && !held.has(choice.file)) {
        const got = await lockUnlessDamaged(() => view.tryLock(choice.file), choice, items);
        if (got === 'damaged') damaged.add(choice.file);
        else if (got) held.add(choice.file);
        else busy.add(choice.file);
      }
      if (!held.has(choice.file)) {
        if (busy.has(choice.file)) waitFor ??= choice;
        continue;
      }
      taken.add(index);
      chosen.push(choice);
      gate?.take(items[index]!);
      break;
    }
  }
  if (chosen.length === 0 && waitFor && (await lockUnlessDamaged(() => view.lock(waitFor.file).then(() => true), waitFor, items)) === true) chosen.push(waitFor);
  return chosen;
}

/** Keeps items whose declared paths conflict with live reservations (or with items taken before them in the round) from being chosen. */
interface PathGate {
  admits(item: WorkItem): Promise<boolean>;
  take(item: WorkItem): void;
}

/**
 * For a segment holding items that declare paths: the reservation table's lock (it sorts after
 * every segment, and only the segment is held yet), and a check of each such item's paths against
 * the live reservations and those of the items chosen before it in this round.
 */
async function pathGate(store: Store, view: TxnView): Promise<PathGate> {
  store.ensureShardDir();
  await view.lock(RESERVATIONS_FILE);
  const claims: ClaimCache = new Map();
  const taken: LiveReservation[] = [];
  const wanted = (item: WorkItem) => (item.paths ?? []).map((path) => ({ path }));
  return {
    async admits(item) {
      if (!item.paths?.length) return true;
      // Read directly: the table's lock is held, and parsed files are reused while their text is the same.
      const live = await liveRows(store, await candidateRows(store, { patterns: item.paths }), claims);
      return conflictsOf(wanted(item), [...live, ...taken], item.work_item_id).length === 0;
    },
    take(item) {
      for (const { path } of wanted(item)) taken.push({ path, shared: false, work_item_id: item.work_item_id, agent_id: '', fencing_token: 0, reserved_at: '', lease_expires_at: null });
    },
  };
}

/** A shard lock, or 'damaged' (a symlink in its way: the item is passed over, warned once). */
async function lockUnlessDamaged(lock: () => Promise<boolean>, c: Choice, items: readonly WorkItem[]): Promise<boolean | 'damaged'> {
  try {
    return await lock();
  } catch (err) {
    if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
    passOver(err, [c], items);
    return 'damaged';
  }
}

/**
 * One transaction over `seg` for `group`: each claimer (in order) takes the first item claimable
 * for it not taken before it. Those served are told when it has committed; the others (the segment
 * changed since the peek, a split moved the item, its shard is damaged) go to the next round.
 */
async function claimFrom(store: Store, seg: Segment, segs: readonly Segment[], group: readonly Claimer[]): Promise<void> {
  const started = monotonicMs();
  // Time spent queued behind other claimers of this process counts as lock wait (the lead's own
  // waits are counted by the locks it takes).
  for (const c of group) {
    if (c !== group[0]) c.stats.waitMs += started - c.queuedAt;
    c.queuedAt = started;
  }
  let served: [Claimer, WorkItem][] = [];
  try {
    await store.transact([seg.file], group[0]!.stats, async (view) => {
      served = [];
      const items = await readItems(view, seg.file);
      const gate = items.some((w) => w.paths?.length) ? await pathGate(store, view) : undefined;
      const chosen = await choose(store, view, items, group, gate);
      if (chosen.length === 0) return { result: null };
      const files = [...new Set(chosen.map((c) => c.file))];
      const route = await view.router();
      const shards = new Map<string, WorkItem[]>();
      for (const file of files) {
        try {
          shards.set(file, [...(await readItems(view, file))]);
        } catch (err) {
          if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
          passOver(err, chosen.filter((c) => c.file === file), items);
        }
      }
      const claimed = new Set<number>();
      const written = new Set<string>();
      const events: ChangeEvent[] = [];
      for (const c of chosen) {
        const item = items[c.index]!;
        const active = shards.get(c.file);
        if (!active || route(item.work_item_id) !== c.file) continue;
        if (active.some((w) => w.work_item_id === item.work_item_id)) {
          const err = new SwarmError('STORE_CORRUPT', `${item.work_item_id} is both queued in ${seg.file} and active in ${c.file}; nothing was changed`, { work_item_id: item.work_item_id });
          passOver(err, [c], items);
          continue;
        }
        const change = recordChange('claimed', item, c.claimer.claim(item, c.nowMs), 'backlog', 'active', c.nowMs);
        const done = change.item;
        events.push(change.event);
        active.push(done);
        served.push([c.claimer, done]);
        claimed.add(c.index);
        written.add(c.file);
      }
      if (claimed.size === 0) return { result: null };
      const left = segmentChange(seg, items.filter((_, i) => !claimed.has(i)), segs);
      const writes = new Map<string, unknown>(left.writes);
      for (const file of written) writes.set(file, shards.get(file));
      // The claims' reservations (their declared paths) enter the table with them.
      const reserved = served.flatMap(([, item]) => rowsOf(item));
      const texts = reserved.length ? await tableWrites(view, [], reserved) : undefined;
      return { writes, texts, deletes: left.deletes, events, result: null };
    });
  } catch (err) {
    for (const c of group) c.fail(err);
    return;
  }
  for (const [claimer, item] of served) claimer.done({ item });
}

/** Leaves these items queued for their claimers (warned once per damaged file); the next round takes others. */
function passOver(err: SwarmError, choices: readonly Choice[], items: readonly WorkItem[]): void {
  warnDamage(err, 'claim-next');
  for (const c of choices) c.claimer.skip.add(items[c.index]!.work_item_id);
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
