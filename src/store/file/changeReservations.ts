/**
 * WorkStore's reservation operations on files (issue 9; the table: reservationIndex.ts). A change
 * holds the item's active shard and the table's lock (RESERVATIONS_FILE) and commits the item and
 * the table together through one intent: a crash leaves both as they were, or both changed.
 */
import type { LockStats } from '../../lock/acquireLocks.js';
import { recordChange, reservationChange } from '../../model/changeEvent.js';
import type { LiveReservation, Reservation, WorkItem } from '../../model/types.js';
import { reportWarning } from '../../warnings.js';
import type { MoveOutcome } from '../WorkStore.js';
import type { RepairAction } from './repairStore.js';
import { candidateRows, indexFilesFor, liveRows, readRows, rowsOf, sameReservations, tableWrites, wholeTable } from './reservationIndex.js';
import { shardFile } from './storeFiles.js';
import type { Store } from './Store.js';
import { RESERVATIONS_FILE, SWEEP_INTERVAL_MS, SWEEP_STAMP } from './storeFiles.js';
import { readItems } from './storeShapes.js';

type DecideReservations = (item: WorkItem, others: readonly LiveReservation[], nowMs: number) => WorkItem;

export async function changeReservations(store: Store, stats: LockStats, clock: () => number, id: string, patterns: readonly string[], decide: DecideReservations): Promise<MoveOutcome> {
  store.ensureShardDir();
  for (;;) {
    const file = store.activeFile(id);
    const outcome = await store.transact([RESERVATIONS_FILE, file], stats, async (view) => {
      if ((await view.activeFile(id)) !== file) return { result: null }; // split meanwhile: route again
      const items = [...(await readItems(view, file))];
      const at = items.findIndex((w) => w.work_item_id === id);
      if (at < 0) return { result: { status: 'missing' } as MoveOutcome };
      const before = items[at]!;
      // Only rows that overlap what is asked for matter (and only theirs need their claim looked up).
      // Read directly: the table's lock is held, and parsed files are reused while their text is the same.
      const rows = patterns.length ? (await candidateRows(store, { patterns })).filter((r) => r.work_item_id !== id) : [];
      const live = await liveRows(store, rows);
      const nowMs = clock();
      const decided = decide(before, live, nowMs);
      const change = recordChange(reservationChange(before, decided), before, decided, 'active', 'active', nowMs);
      const after = change.item;
      const result: MoveOutcome = { status: 'moved', item: after, from: 'active' };
      items[at] = after;
      // Dead rows met on the way (claims that ended) go with this change.
      const liveKeys = new Set(live.map(key));
      const dead = new Set(rows.filter((r) => !liveKeys.has(key(r))).map(key));
      const texts = sameReservations(before, after) ? undefined : await tableWrites(view, rowsOf(before), rowsOf(after), (r) => dead.has(key(r)));
      return { writes: new Map([[file, items]]), texts, events: [change.event], result };
    });
    if (outcome) return outcome;
  }
}

/**
 * Takes an ended claim's rows out of the table (they are dead already: its item left the active
 * place or was claimed again). A failure is only warned about: the sweep drops them later.
 */
export async function dropReservations(store: Store, stats: LockStats, ended: WorkItem): Promise<void> {
  const rows = rowsOf(ended);
  if (rows.length === 0) return;
  try {
    store.ensureShardDir();
    await store.transact([RESERVATIONS_FILE], stats, async (view) => ({ texts: await tableWrites(view, rows, []), result: null }));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    reportWarning('SwarmfileReservationWarning', `the reservations of ${ended.work_item_id} ended with its claim, but their rows stay in the table for now: ${why}. The next sweep (reap) drops them.`);
  }
}

/** Drops every dead row from the table (reap runs it, at most once per SWEEP_INTERVAL_MS); returns how many. */
export async function sweepReservations(store: Store, stats: LockStats): Promise<number> {
  if (!(await store.claimStamp(SWEEP_STAMP, SWEEP_INTERVAL_MS))) return 0;
  const files = indexFilesFor();
  // Without locks first: most sweeps find nothing to drop and change nothing.
  const all = await readRows(store, files);
  if (all.length === (await liveRows(store, all)).length) return 0;
  store.ensureShardDir();
  return store.transact([RESERVATIONS_FILE], stats, async (view) => {
    const rows = await readRows(view, files);
    const live = new Set((await liveRows(store, rows)).map(key));
    const dead = rows.filter((r) => !live.has(key(r)));
    if (dead.length === 0) return { result: 0 };
    return { texts: await tableWrites(view, dead, []), result: dead.length };
  });
}

const key = (r: Reservation) => `${r.work_item_id}\n${r.fencing_token}\n${r.path}`;

/** Live rows that may overlap the query (every live row without one). Lock-free, after pending changes are applied. */
export async function liveReservations(store: Store, stats: LockStats, query: { patterns?: readonly string[]; files?: readonly string[] } = {}): Promise<LiveReservation[]> {
  await store.settle(stats);
  return liveRows(store, await candidateRows(store, query));
}

/**
 * repair: the table's damaged files are kept as `<name>.damaged-<stamp>` and the whole table is
 * written afresh from the active items' reserved_paths (the table is only an index of them). Under
 * the table's lock nothing can reserve meanwhile; a claim ending meanwhile leaves dead rows, which
 * count for nothing.
 */
export async function rebuildReservations(store: Store, stats: LockStats, stamp: string, damaged: readonly string[], dryRun: boolean): Promise<RepairAction[]> {
  if (damaged.length === 0) return [];
  const copies = new Map<string, string | null>();
  for (const file of damaged) copies.set(file, await store.readText(file).catch(() => null)); // null: a symlink, never followed
  const actions: RepairAction[] = damaged.map((file) => ({
    file,
    action: 'quarantined',
    detail: `unreadable; the reservation table is rebuilt from the active items' reserved_paths; ${copies.get(file) === null ? 'it was a symbolic link (not followed; only replaced)' : `the original is kept as ${file}.damaged-${stamp}`}`,
  }));
  if (dryRun) return actions;
  store.ensureShardDir();
  await store.transact([RESERVATIONS_FILE], stats, async () => {
    const texts = wholeTable(await activeItems(store), Date.now());
    for (const [file, raw] of copies) if (raw !== null) texts.set(`${file}.damaged-${stamp}`, raw);
    return { texts, result: null };
  });
  return actions;
}

/** Every active item, read without locks between two reads of the layout (a split meanwhile: read again). */
async function activeItems(store: Store): Promise<WorkItem[]> {
  for (;;) {
    const n = await store.readLayout();
    const items: WorkItem[] = [];
    for (let i = 0; i < n; i++) items.push(...(await readItems(store, shardFile(i, store.shards)).catch(() => [] as WorkItem[])));
    if ((await store.readLayout()) === n) return items;
  }
}
