/**
 * The store interface: everything the use cases in src/coordinator/ need from where items live,
 * and nothing about how they are kept. The rules (validation, ownership, fencing, retries, events)
 * stay in the coordinator and reach the store as `decide` callbacks, which the store runs on the
 * item as it is under its lock (file locks, or a row lock in a database), so one copy of the rules
 * serves every backend. A callback may be run more than once (on a lock-free look first, to learn
 * which files to lock); it must be a pure function of its arguments, and may throw to refuse.
 *
 * Implementations: the file store (src/store/file/, FileWorkStore), the default, and PostgreSQL
 * (src/store/postgres/, PgWorkStore) for agents on several hosts.
 */
import type { LockStats } from '../lock/acquireLocks.js';
import type { ClaimFilter } from '../model/claimOrder.js';
import type { ChangeType, LoggedEvent } from '../model/changeEvent.js';
import type { AgentRecord, LiveReservation, WorkItem } from '../model/types.js';
import type { CheckReport } from './file/checkStore.js';
import type { RepairReport } from './file/repairStore.js';

/** Where an unfinished item is: claimed, queued, waiting on dependencies, or dead-lettered. */
export type LivePlace = 'active' | 'backlog' | 'waiting' | 'dead';
/** Every place an item can be found: finished items are completed or cancelled; archived ones were cleaned up. */
export type Place = LivePlace | 'finished' | 'archived';

export interface Found {
  item: WorkItem;
  place: Place;
}

/** A transition's decision: where the item goes and what it looks like there. */
export interface Move {
  to: LivePlace | 'finished';
  item: WorkItem;
  /** What the change log calls this change (the store writes the event in the same commit). */
  event: ChangeType;
  /** Finishing only: count a completion for this agent (and the item's team) in the counters. */
  credit?: string;
}

export type MoveOutcome =
  | { status: 'moved'; item: WorkItem; from: LivePlace }
  /** `decide` returned null: nothing changed. */
  | { status: 'kept' }
  /** The item is in none of the places asked for. */
  | { status: 'missing' };

export interface MoveOptions {
  /**
   * Pass `decide` the ids of waiting items that depend on this one, and keep new dependents out
   * while it decides (cancel must not strand an item that starts depending on it meanwhile).
   */
  dependents?: boolean;
  /** The decision usually keeps the item where it is (progress, heartbeat): a hint, not a rule. */
  inPlace?: boolean;
}

/** Where the item was found, and (with MoveOptions.dependents) who waits on it. */
export interface Whereabouts {
  place: LivePlace;
  dependents: readonly string[];
}
export type Decide = (item: WorkItem, nowMs: number, at: Whereabouts) => Move | null;

export interface TeamTotals {
  tasks_completed: number;
  velocity_points: number;
}
export interface AgentTotals extends TeamTotals {
  last_completed_at: string | null;
}
/** Completion counters, by agent and by team. */
export interface Totals {
  agents: Record<string, AgentTotals>;
  teams: Record<string, TeamTotals>;
}

export type ClaimOutcome = { item: WorkItem } | { item?: undefined; nextRetryMs?: number };

/** What import-swarmsh brings in; ids already present anywhere are skipped. */
export interface ImportBatch {
  active: WorkItem[];
  finished: WorkItem[];
  agents: AgentRecord[];
}
export interface ImportOutcome {
  /** Ids of the active items imported. */
  active: string[];
  finished: number;
  agents: number;
  skipped: number;
}

export interface ArchiveOutcome {
  archived: number;
  /** Where the archives went, relative to the store's location. */
  archives: string[];
}

/** A watch on the backlog: `changed` is called when items may have become claimable. */
export interface QueueWatch {
  close(): Promise<void>;
}

/** A read of the change log from a cursor. */
export interface EventPage {
  /** In commit order per item; across items, by time. */
  events: LoggedEvent[];
  /** Where the next read resumes (after every event returned). */
  cursor: string;
  /** Events after the cursor asked for were deleted by retention (the reader fell behind): what is known of them. */
  gap?: { missing: string };
  /** The log holds every change since the store was created (nothing deleted by retention). */
  complete: boolean;
}

/** One operation's view of the store (lock statistics are counted per operation). */
export interface WorkStore {
  readonly kind: 'file' | 'postgres';
  /** For people: the directory (or the database, its password never shown). */
  readonly location: string;
  /** Shards of the active items (1 where the backend does not shard). */
  readonly shards: number;
  /** The active shard an item routes to by the layout as last seen (0 where the backend does not shard): telemetry's `store.shard`. */
  activeShardOf(id: string): number;

  /** The store's time, ms since the epoch: what `decide` callbacks are given (PostgreSQL: the database's clock). */
  now(): Promise<number>;

  /** Stores a new item already claimed (`claim`), made by `make` at the store's time. */
  insertClaim(make: (nowMs: number) => WorkItem): Promise<WorkItem>;
  /**
   * Enqueues a new item at the tail of its priority, or in the waiting list. `decide` sees the
   * finished record of each dependency (undefined while unfinished), read while no completion can
   * slip in between, and says where the item goes (or throws).
   */
  enqueue(item: WorkItem, deps: readonly string[], decide: (finished: ReadonlyMap<string, WorkItem | undefined>) => 'backlog' | 'waiting'): Promise<WorkItem>;
  /**
   * Moves (or updates in place) one item found in one of `from`, as `decide` says, all or nothing.
   * An item leaving the active place loses its `reserved_paths` (its reservations end with the claim).
   */
  move(id: string, from: readonly LivePlace[], decide: Decide, options?: MoveOptions): Promise<MoveOutcome>;
  /** Applies `renew` to every claim of `agentId`; returns their ids. */
  renewClaims(agentId: string, renew: (item: WorkItem, nowMs: number) => WorkItem): Promise<string[]>;
  /**
   * Claims the best claimable backlog item (priority, then creation order) matching `filter`:
   * `claim` turns it into its active form. Exactly once. Without a claimable item, says when the
   * earliest retry delay of a matching item ends. An item declaring `paths` is passed over while one
   * of them conflicts with another live claim's reservation (conflictsOf); the claimed item's
   * `reserved_paths` (set by `claim`) enter the reservation table in the same transaction.
   */
  claimNext(filter: ClaimFilter, claim: (item: WorkItem, nowMs: number) => WorkItem): Promise<ClaimOutcome>;
  /**
   * Changes the file-path reservations (`reserved_paths`) of the active item `id`, all or nothing,
   * under the item's lock and the reservation table's (one table-wide lock: two claims can never
   * both win overlapping paths). `decide` gets the item, the live reservations of other claims that
   * may overlap `patterns` (a superset: the rule in decide tells), and the store's time; it returns
   * the item with its new `reserved_paths`, or throws to refuse. The table follows the item.
   * 'missing' when the item is not active.
   */
  changeReservations(id: string, patterns: readonly string[], decide: (item: WorkItem, others: readonly LiveReservation[], nowMs: number) => WorkItem): Promise<MoveOutcome>;
  /**
   * Live reservations (their item still active with their fencing token and still holding the path)
   * that may overlap one of `patterns` or match one of the literal `files` (a superset: callers
   * decide with pathPatterns), or every live one when neither is given. Without locks.
   */
  liveReservations(query?: { patterns?: readonly string[]; files?: readonly string[] }): Promise<LiveReservation[]>;
  /** Drops reservations whose claim has ended from the table (they are dead already); returns how many. */
  sweepReservations(): Promise<number>;

  /** What claimNext would hand out now, in order, at most `limit`. */
  listClaimable(filter: ClaimFilter, limit: number): Promise<WorkItem[]>;

  find(id: string): Promise<Found | null>;
  /**
   * Every item in `places`, unordered. With `passingBy` (an operation's name), damaged parts are
   * skipped with a warning; without it, they fail the call.
   */
  list(places: readonly Place[], passingBy?: string): Promise<WorkItem[]>;
  countQueued(passingBy: string): Promise<number>;
  /** Which of `ids` are completed (finished with status completed, not cancelled). */
  completedIds(ids: readonly string[]): Promise<Set<string>>;

  agents(passingBy?: string): Promise<AgentRecord[]>;
  /** Changes the registry under its lock: `change` returns the new list (or undefined: no change) and a result. */
  updateAgents<T>(change: (agents: readonly AgentRecord[], nowMs: number) => { agents?: AgentRecord[]; result: T }): Promise<T>;
  totals(passingBy: string): Promise<Totals>;

  /** True for at most one caller per `intervalMs` across all processes (throttles automatic reaping). */
  reapDue(intervalMs: number): Promise<boolean>;
  /** Waits until every change already committed is visible to lock-free reads. */
  settle(): Promise<void>;
  /** Moves finished items older than `cutoffMs` (and no waiting item's dependency) into archives. */
  archiveFinished(cutoffMs: number, dryRun: boolean): Promise<ArchiveOutcome>;
  importBatch(batch: ImportBatch, dryRun: boolean): Promise<ImportOutcome>;
  /** Calls `changed` when the backlog may have changed; resolves once watching. */
  watchQueue(changed: () => void): Promise<QueueWatch>;

  /**
   * The change log after `cursor` (null: from its start), at most `limit` events. A cursor
   * behind retention gives `gap`: the caller decides whether that is an error.
   */
  readEvents(cursor: string | null, limit: number): Promise<EventPage>;
  /** Calls `changed` when new events may have been committed; resolves once watching. */
  watchEvents(changed: () => void): Promise<QueueWatch>;

  /** fsck and repair, where the backend has files to check (the file store). */
  check?(): Promise<CheckReport>;
  repair?(dryRun: boolean): Promise<RepairReport>;
}

/** A backend opened once per Coordinator; `session` gives each operation its view. */
export interface StoreBackend {
  readonly kind: WorkStore['kind'];
  readonly location: string;
  readonly shards: number;
  /** Opening it created the store. */
  readonly created: boolean;
  session(stats: LockStats): WorkStore;
  /**
   * Lets go of the store. With `exiting` (the CLI, whose process ends right after), a database
   * connection is told goodbye without waiting for the server to hang up.
   */
  close(options?: { exiting?: boolean }): Promise<void>;
}
