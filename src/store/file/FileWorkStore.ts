/**
 * The file store behind the WorkStore interface: sharded JSON files in one directory, changed only
 * through Store.transact (locks, intents, atomic renames). The file layout is known in this folder
 * and nowhere else (storeFiles.ts names the files; docs/architecture.md draws the protocols).
 */
import type { Config } from '../../config.js';
import { SwarmError } from '../../errors.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import type { ClaimFilter } from '../../model/claimOrder.js';
import { ownEntry } from '../../model/ownEntry.js';
import { shardFor } from '../../model/shardFor.js';
import type { AgentRecord, LiveReservation, WorkItem } from '../../model/types.js';
import { claimedAtOnce } from '../../model/changeEvent.js';
import { unlessDamaged } from '../containDamage.js';
import { claimEnded, leavingClaim } from '../leavingClaim.js';
import type { ArchiveOutcome, ClaimOutcome, Decide, EventPage, Found, ImportBatch, ImportOutcome, LivePlace, MoveOptions, MoveOutcome, Place, QueueWatch, StoreBackend, Totals, WorkStore } from '../WorkStore.js';
import { archiveFinished } from './archiveFinished.js';
import { changeReservations, dropReservations, liveReservations, sweepReservations } from './changeReservations.js';
import { checkStore, type CheckReport } from './checkStore.js';
import { claimBest, listClaimable } from './claimBest.js';
import { enqueueItem } from './enqueueItem.js';
import { findItem } from './findItem.js';
import { importBatch } from './importBatch.js';
import { moveItem } from './moveItem.js';
import { openStore } from './openStore.js';
import { readArchived } from './readArchived.js';
import { repairStore, type RepairReport } from './repairStore.js';
import type { Store } from './Store.js';
import { completedFile, FORMAT_FILE, REAP_STAMP, REGISTRY_FILE, shardFile } from './storeFiles.js';
import { emptyStats, readBacklog, readDead, readItems, readRegistry, readStats, readWaiting } from './storeShapes.js';
import { watchBacklog, watchEventDir } from './watchBacklog.js';
import { readEventLog } from './readEvents.js';

export class FileWorkStore implements WorkStore {
  readonly kind = 'file' as const;
  readonly location: string;
  readonly shards: number;

  constructor(
    private readonly store: Store,
    private readonly stats: LockStats,
    private readonly clock: () => number,
  ) {
    this.location = store.dir;
    this.shards = store.shards;
  }

  async now(): Promise<number> {
    return this.clock();
  }

  async insertClaim(make: (nowMs: number) => WorkItem): Promise<WorkItem> {
    const item = make(this.clock());
    const id = item.work_item_id;
    for (;;) {
      const file = this.store.activeFile(id);
      const done = await this.store.transact([file], this.stats, async (view) => {
        if ((await view.activeFile(id)) !== file) return { result: null }; // split meanwhile: route again
        const items = await readItems(view, file);
        // Ids embed the pid, so this cannot happen short of pid reuse within 10 ms; refuse rather than overwrite.
        if (items.some((w) => w.work_item_id === id)) throw new SwarmError('INTERNAL', `generated id ${id} already exists`);
        const { added, claimed } = claimedAtOnce(item, this.clock());
        return { writes: new Map([[file, [...items, claimed.item]]]), events: [added.event, claimed.event], result: claimed.item };
      });
      if (done) return done;
    }
  }

  enqueue(item: WorkItem, deps: readonly string[], decide: (finished: ReadonlyMap<string, WorkItem | undefined>) => 'backlog' | 'waiting'): Promise<WorkItem> {
    return enqueueItem(this.store, this.stats, this.clock, item, deps, decide);
  }

  async move(id: string, from: readonly LivePlace[], decide: Decide, options?: MoveOptions): Promise<MoveOutcome> {
    let before: WorkItem | undefined;
    const outcome = await moveItem(
      this.store,
      this.stats,
      this.clock,
      id,
      from,
      (item, nowMs, at) => {
        before = item;
        return leavingClaim(decide(item, nowMs, at));
      },
      options,
    );
    // The reservations ended with the claim (in that change); their rows leave the table now.
    if (outcome.status === 'moved' && before && claimEnded(before, outcome.item)) await dropReservations(this.store, this.stats, before);
    return outcome;
  }

  changeReservations(id: string, patterns: readonly string[], decide: (item: WorkItem, others: readonly LiveReservation[], nowMs: number) => WorkItem): Promise<MoveOutcome> {
    return changeReservations(this.store, this.stats, this.clock, id, patterns, decide);
  }

  liveReservations(query?: { patterns?: readonly string[]; files?: readonly string[] }): Promise<LiveReservation[]> {
    return liveReservations(this.store, this.stats, query);
  }

  sweepReservations(): Promise<number> {
    return sweepReservations(this.store, this.stats);
  }

  async renewClaims(agentId: string, renew: (item: WorkItem, nowMs: number) => WorkItem): Promise<string[]> {
    const renewed = new Set<string>();
    // Shards split meanwhile are visited too: the count is read again at the end.
    for (let i = 0, count = await this.store.readLayout(); i < count; i++) {
      const file = shardFile(i, this.shards);
      if ((await readItems(this.store, file)).some((w) => w.agent_id === agentId)) {
        const ids = await this.store.transact([file], this.stats, async (view) => {
          const nowMs = this.clock();
          const mine: string[] = [];
          const next = (await readItems(view, file)).map((w) => {
            if (w.agent_id !== agentId) return w;
            mine.push(w.work_item_id);
            return renew(w, nowMs);
          });
          return { writes: mine.length ? new Map([[file, next]]) : undefined, result: mine };
        });
        for (const id of ids) renewed.add(id);
      }
      if (i === count - 1) count = await this.store.readLayout();
    }
    return [...renewed];
  }

  claimNext(filter: ClaimFilter, claim: (item: WorkItem, nowMs: number) => WorkItem): Promise<ClaimOutcome> {
    return claimBest(this.store, this.stats, this.clock, filter, claim);
  }

  listClaimable(filter: ClaimFilter, limit: number): Promise<WorkItem[]> {
    return listClaimable(this.store, this.clock, filter, limit);
  }

  async find(id: string): Promise<Found | null> {
    const found = await findItem(this.store, id);
    return found && { item: found.item, place: found.place };
  }

  /**
   * Without locks, place by place in the order items move forward (waiting, backlog, active, dead,
   * finished): an item that moves on between two reads (promoted, claimed, failed for good,
   * completed) is seen in both places, never in neither, and only its later copy is kept. (An
   * item moving back, a claim reaped or released into the backlog, can still be missed by one
   * listing.)
   */
  async list(places: readonly Place[], passingBy?: string): Promise<WorkItem[]> {
    const read = (fn: () => Promise<WorkItem[]>) => (passingBy ? unlessDamaged(passingBy, fn, []) : fn());
    const logs = Array.from({ length: this.shards }, (_, i) => i);
    const readers: Record<Place, () => Promise<WorkItem[]>> = {
      waiting: () => read(() => readWaiting(this.store)),
      backlog: () => readBacklog(this.store, passingBy),
      active: () => this.readActive(read),
      dead: () => read(() => readDead(this.store)),
      finished: async () => (await Promise.all(logs.map((i) => read(() => this.store.readLog<WorkItem>(completedFile(i)))))).flat(),
      archived: () => readArchived(this.store),
    };
    const parts: WorkItem[][] = [];
    for (const place of FORWARD) if (places.includes(place)) parts.push(await readers[place]());
    const later = new Set<string>();
    for (let i = parts.length - 1; i >= 0; i--) {
      const mine = parts[i]!;
      parts[i] = mine.filter((w) => !later.has(w.work_item_id));
      for (const w of mine) later.add(w.work_item_id);
    }
    return parts.flat();
  }

  async countQueued(passingBy: string): Promise<number> {
    return (await readBacklog(this.store, passingBy)).length;
  }

  async completedIds(ids: readonly string[]): Promise<Set<string>> {
    const done = new Set<string>();
    const byShard = new Map<number, string[]>();
    for (const id of ids) byShard.set(this.shardOf(id), [...(byShard.get(this.shardOf(id)) ?? []), id]);
    for (const [shard, wanted] of byShard) {
      const log = await this.store.readLog<WorkItem>(completedFile(shard));
      const completed = new Set(log.filter((w) => w.status === 'completed').map((w) => w.work_item_id));
      for (const id of wanted) if (completed.has(id)) done.add(id);
    }
    return done;
  }

  agents(passingBy?: string): Promise<AgentRecord[]> {
    return passingBy ? unlessDamaged(passingBy, () => readRegistry(this.store), []) : readRegistry(this.store);
  }

  updateAgents<T>(change: (agents: readonly AgentRecord[], nowMs: number) => { agents?: AgentRecord[]; result: T }): Promise<T> {
    return this.store.transact([REGISTRY_FILE], this.stats, async (view) => {
      const out = change(await readRegistry(view), this.clock());
      return { writes: out.agents ? new Map([[REGISTRY_FILE, out.agents]]) : undefined, result: out.result };
    });
  }

  async totals(passingBy: string): Promise<Totals> {
    const shards = await Promise.all(Array.from({ length: this.shards }, (_, i) => unlessDamaged(passingBy, () => readStats(this.store, i), emptyStats())));
    const totals: Totals = { agents: {}, teams: {} };
    // Each agent lives in one shard; a team's totals are split over the shards of its agents.
    // Names such as `constructor` are agents and teams like any other: own entries only (ownEntry).
    for (const s of shards) {
      for (const [id, a] of Object.entries(s.agents)) ownEntry(totals.agents, id, () => a);
      for (const [name, t] of Object.entries(s.teams)) {
        const sum = ownEntry(totals.teams, name, () => ({ tasks_completed: 0, velocity_points: 0 }));
        sum.tasks_completed += t.tasks_completed;
        sum.velocity_points += t.velocity_points;
      }
    }
    return totals;
  }

  reapDue(intervalMs: number): Promise<boolean> {
    return this.store.claimStamp(REAP_STAMP, intervalMs);
  }

  settle(): Promise<void> {
    return this.store.settle(this.stats);
  }

  archiveFinished(cutoffMs: number, dryRun: boolean): Promise<ArchiveOutcome> {
    return archiveFinished(this.store, this.stats, this.clock(), cutoffMs, dryRun);
  }

  importBatch(batch: ImportBatch, dryRun: boolean): Promise<ImportOutcome> {
    return importBatch(this.store, this.stats, this.clock, batch, dryRun);
  }

  watchQueue(changed: () => void): Promise<QueueWatch> {
    return watchBacklog(this.store.dir, changed);
  }

  readEvents(cursor: string | null, limit: number): Promise<EventPage> {
    return readEventLog(this.store, cursor, limit);
  }

  watchEvents(changed: () => void): Promise<QueueWatch> {
    return watchEventDir(this.store, changed);
  }

  /** fsck: reads every store file and reports damage, writing nothing (file store only). */
  check(): Promise<CheckReport> {
    return checkStore(this.store);
  }

  /** repair: quarantines damage, salvages what parses, rebuilds counters (file store only). */
  repair(dryRun: boolean): Promise<RepairReport> {
    return repairStore(this.store, this.stats, this.clock(), { dryRun });
  }

  /**
   * Every active item, without locks: the shard count is read before and after, and the shards
   * read again if a split happened meanwhile (splitShard.ts says why that is enough); an item a
   * split moved may be seen twice, and is listed once. A reader slower than the splits (a slow
   * disk, a fast-growing store) would never see the count hold still: after two tries it holds
   * the format file's lock, which every split needs, while it reads.
   */
  private async readActive(read: (fn: () => Promise<WorkItem[]>) => Promise<WorkItem[]>): Promise<WorkItem[]> {
    const readAll = async (count: number) => {
      const parts = await Promise.all(Array.from({ length: count }, (_, i) => read(() => readItems(this.store, shardFile(i, this.shards)))));
      const seen = new Set<string>();
      return parts.flat().filter((w) => !seen.has(w.work_item_id) && !!seen.add(w.work_item_id));
    };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const count = await this.store.readLayout();
      const items = await readAll(count);
      if ((await this.store.readLayout()) === count) return items;
    }
    return this.store.transact([FORMAT_FILE], this.stats, async () => ({ result: await readAll(await this.store.readLayout()) }));
  }

  private shardOf(id: string): number {
    return shardFor(id, this.shards);
  }

  activeShardOf(id: string): number {
    return this.store.activeShardOf(id);
  }
}

/** The places in the order items move through them; archives last. */
const FORWARD: readonly Place[] = ['waiting', 'backlog', 'active', 'dead', 'finished', 'archived'];

/** Opens the file store at config.dir (creating it unless `create` is false). */
export async function openFileBackend(config: Readonly<Config>, create: boolean): Promise<Omit<StoreBackend, 'session'> & { session(stats: LockStats): FileWorkStore }> {
  const store = await openStore(config, create);
  return {
    kind: 'file',
    location: store.dir,
    shards: store.shards,
    created: store.created,
    session: (stats) => new FileWorkStore(store, stats, config.clock),
    close: async () => undefined,
  };
}
