/**
 * The PostgreSQL store behind the WorkStore interface. Every change is one transaction
 * (pgTransaction.ts); an item's change runs `decide` on its row held FOR UPDATE, and claim-next
 * takes the best backlog row with FOR UPDATE SKIP LOCKED, so concurrent claimers never wait on
 * each other and never get the same item. Every time it stores comes from the database's clock.
 * Whatever puts an item in the backlog, or lets go of file-path reservations that may hold one
 * back, notifies `swarmfile_queue_<schema>` in the same transaction (delivered on commit), which
 * `claim-next --wait` listens to. Reservations (issue 9) are rows of their own table, changed in
 * the transactions that change their claims (pgReservations.ts).
 *
 * The change log (issue 10, pgEvents.ts): every change of an item stores it as recordChange made it
 * (its revision raised) and appends the change's event in the same transaction, last, under the
 * log's lock (so events commit in id order), notifying `swarmfile_events_<schema>`. Heartbeats
 * (renewClaims) and `migrate`'s copy are no changes: no event, no new revision.
 */
import type { Pool, PoolClient } from 'pg';
import type { LockConfig } from '../../config.js';
import { SwarmError } from '../../errors.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import type { ClaimFilter } from '../../model/claimOrder.js';
import { ownEntry } from '../../model/ownEntry.js';
import { conflictsOf } from '../../model/pathConflicts.js';
import { FINISHED_STATUSES, type AgentRecord, type LiveReservation, type WorkItem } from '../../model/types.js';
import { claimedAtOnce, eventOf, recordChange, reservationChange, type ChangeEvent } from '../../model/changeEvent.js';
import { claimEnded, leavingClaim } from '../leavingClaim.js';
import type { ArchiveOutcome, ClaimOutcome, Decide, EventPage, Found, ImportBatch, ImportOutcome, LivePlace, MoveOptions, MoveOutcome, Place, QueueWatch, Totals, WorkStore } from '../WorkStore.js';
import { ident } from './pgSchema.js';
import { inTransaction } from './pgTransaction.js';
import { eventsChannel, logEvents, readEventRows } from './pgEvents.js';
import { copyRows, creditCompletion, importRows, writeRegistry, type CopyOutcome } from './pgBulk.js';
import { dropReservations, liveRows, lockReservations, releases, replaceReservations, sweepRows, type ReservationQuery } from './pgReservations.js';
import { insertItem, NOW_MS, writeItem } from './pgRows.js';

export interface PgContext {
  pool: Pool;
  schema: string;
  /** For messages: the URL without its password. */
  display: string;
  lock: LockConfig;
  /** Opens a dedicated connection for LISTEN. */
  listen: (channel: string, changed: () => void) => Promise<QueueWatch>;
  /**
   * A clock set by a library caller or the SWARMFILE_CLOCK_OFFSET_MS test hook, used instead of the
   * database's (tests step time with it). Without one, every time is the database's.
   */
  clock?: () => number;
}

type Row = { item: WorkItem; place: Place; now_ms: number };

/** The paths a backlog item declares (add --paths), which its claim reserves. */
const declaredPaths = (item: WorkItem): string[] => (Array.isArray(item.paths) ? item.paths.filter((p): p is string => typeof p === 'string') : []);

export class PgWorkStore implements WorkStore {
  readonly kind = 'postgres' as const;
  readonly location: string;
  readonly shards = 1;
  activeShardOf(): number {
    return 0;
  }
  private readonly t: string;
  private readonly s: string;
  readonly channel: string;
  /** The change log's channel (pgEvents.ts). */
  readonly eventChannel: string;

  constructor(
    private readonly pg: PgContext,
    private readonly stats: LockStats,
  ) {
    this.location = pg.display;
    this.s = ident(pg.schema);
    this.t = `${this.s}.work_items`;
    // Channel names end at 63 bytes; two schemas sharing a truncated name only wake each other's waiters in vain.
    this.channel = `swarmfile_queue_${pg.schema}`.slice(0, 63);
    this.eventChannel = eventsChannel(pg.schema);
  }

  private tx<T>(body: (c: PoolClient) => Promise<T>, atomic = true): Promise<T> {
    return inTransaction(this.pg.pool, this.pg.lock, this.stats, this.location, body, atomic);
  }

  /** One read-only statement, retried like a transaction when the connection fails. */
  private read<T extends object>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.tx(async (c) => (await c.query<T>(sql, params)).rows, false);
  }

  now(): Promise<number> {
    return this.tx((c) => this.nowOn(c), false);
  }

  private async nowOn(c: PoolClient): Promise<number> {
    return this.pg.clock ? this.pg.clock() : (await c.query<{ now_ms: number }>(`SELECT ${NOW_MS} AS now_ms`)).rows[0]!.now_ms;
  }

  /** The time of a row read with NOW_MS: the database's, unless a clock is set. */
  private timeOf(row: { now_ms: number }): number {
    return this.pg.clock ? this.pg.clock() : row.now_ms;
  }

  /** Now as SQL: the database's clock, or the set clock's time as a parameter (`$n`, one value per call). */
  private nowSql(params: unknown[]): string {
    return this.pg.clock ? `to_timestamp($${params.push(this.pg.clock())}::float8 / 1000)` : 'statement_timestamp()';
  }

  private notify(c: PoolClient): Promise<unknown> {
    return c.query('SELECT pg_notify($1, $2)', [this.channel, '']);
  }

  /** Appends the transaction's events to the change log: the last statement before its commit (pgEvents.ts). */
  private log(c: PoolClient, events: readonly ChangeEvent[]): Promise<void> {
    return logEvents(c, this.s, this.pg.schema, events);
  }

  insertClaim(make: (nowMs: number) => WorkItem): Promise<WorkItem> {
    return this.tx(async (c) => {
      const now = await this.nowOn(c);
      // Added and claimed in one change: two events (revisions 1 and 2), the item stored at 2.
      const { added, claimed } = claimedAtOnce(make(now), now);
      if (!(await insertItem(c, this.t, claimed.item, 'active'))) throw new SwarmError('INTERNAL', `generated id ${claimed.item.work_item_id} already exists`);
      await this.log(c, [added.event, claimed.event]);
      return claimed.item;
    });
  }

  enqueue(item: WorkItem, deps: readonly string[], decide: (finished: ReadonlyMap<string, WorkItem | undefined>) => 'backlog' | 'waiting'): Promise<WorkItem> {
    return this.tx(async (c) => {
      const finished = new Map<string, WorkItem | undefined>();
      if (deps.length) {
        // FOR SHARE: a completion or cancel of a dependency (FOR UPDATE) waits until this commits.
        const rows = await c.query<{ item: WorkItem; place: Place }>(`SELECT item, place FROM ${this.t} WHERE work_item_id = ANY($1) ORDER BY work_item_id FOR SHARE`, [deps]);
        for (const r of rows.rows) finished.set(r.item.work_item_id, r.place === 'finished' || r.place === 'archived' ? r.item : undefined);
      }
      const place = deps.length && decide(finished) === 'waiting' ? 'waiting' : 'backlog';
      const change = recordChange('added', null, place === 'waiting' ? { ...item, status: 'waiting' } : item, null, place, await this.nowOn(c));
      if (!(await insertItem(c, this.t, change.item, place))) throw new SwarmError('INTERNAL', `generated id ${item.work_item_id} already exists`);
      if (place === 'backlog') await this.notify(c);
      await this.log(c, [change.event]);
      return change.item;
    });
  }

  move(id: string, from: readonly LivePlace[], decide: Decide, options: MoveOptions = {}): Promise<MoveOutcome> {
    return this.tx(async (c) => {
      const res = await c.query<Row>(`SELECT item, place, ${NOW_MS} AS now_ms FROM ${this.t} WHERE work_item_id = $1 FOR UPDATE`, [id]);
      const row = res.rows[0];
      if (!row || !(from as readonly string[]).includes(row.place)) return { status: 'missing' };
      let dependents: string[] = [];
      if (options.dependents) {
        const deps = await c.query<{ work_item_id: string }>(`SELECT work_item_id FROM ${this.t} WHERE place = 'waiting' AND depends_on @> ARRAY[$1]::text[] ORDER BY work_item_id`, [id]);
        dependents = deps.rows.map((r) => r.work_item_id);
      }
      const now = this.timeOf(row);
      const decided = leavingClaim(decide(row.item, now, { place: row.place as LivePlace, dependents }));
      if (!decided) return { status: 'kept' };
      const change = recordChange(decided.event, row.item, decided.item, row.place as LivePlace, decided.to, now, decided.to === 'finished' ? decided.credit : undefined);
      const mv = { ...decided, item: change.item };
      await writeItem(c, this.t, mv.item, mv.to);
      if (mv.to === 'finished' && mv.credit !== undefined) await creditCompletion(c, this.s, mv.credit, mv.item);
      // The reservations end with the claim, in this transaction: their rows go (those of any older token too).
      const ended = claimEnded(row.item, mv.item);
      if (ended) await dropReservations(c, this.s, id);
      if (mv.to === 'backlog' || ended) await this.notify(c);
      await this.log(c, [change.event]);
      return { status: 'moved', item: mv.item, from: row.place as LivePlace };
    });
  }

  renewClaims(agentId: string, renew: (item: WorkItem, nowMs: number) => WorkItem): Promise<string[]> {
    // A heartbeat is no change of state: no event, and the revision stays (renew keeps it).
    return this.tx(async (c) => {
      const rows = await c.query<Row>(`SELECT item, place, ${NOW_MS} AS now_ms FROM ${this.t} WHERE place = 'active' AND agent_id = $1 ORDER BY work_item_id FOR UPDATE`, [agentId]);
      for (const r of rows.rows) await writeItem(c, this.t, renew(r.item, this.timeOf(r)), 'active');
      return rows.rows.map((r) => r.item.work_item_id);
    });
  }

  changeReservations(id: string, patterns: readonly string[], decide: (item: WorkItem, others: readonly LiveReservation[], nowMs: number) => WorkItem): Promise<MoveOutcome> {
    return this.tx(async (c) => {
      // The table's lock first, then the item's row (never a backlog row, which claimNext may hold while it waits for the table's lock).
      await lockReservations(c, this.pg.schema);
      const res = await c.query<Row>(`SELECT item, place, ${NOW_MS} AS now_ms FROM ${this.t} WHERE work_item_id = $1 AND place = 'active' FOR UPDATE`, [id]);
      const row = res.rows[0];
      if (!row) return { status: 'missing' };
      const others = patterns.length ? await liveRows(c, this.s, { patterns }, id) : [];
      const now = this.timeOf(row);
      const decided = decide(row.item, others, now);
      const { item, event } = recordChange(reservationChange(row.item, decided), row.item, decided, 'active', 'active', now);
      await writeItem(c, this.t, item, 'active');
      // Rewritten every time (two statements under a lock held anyway): the table follows the item, even one it had lost track of.
      await replaceReservations(c, this.s, item);
      if (releases(row.item, item)) await this.notify(c);
      await this.log(c, [event]);
      return { status: 'moved', item, from: 'active' };
    });
  }

  liveReservations(query?: ReservationQuery): Promise<LiveReservation[]> {
    return this.tx((c) => liveRows(c, this.s, query), false);
  }

  sweepReservations(): Promise<number> {
    return this.tx((c) => sweepRows(c, this.s), false);
  }

  private filterSql(filter: ClaimFilter, params: unknown[]): string {
    let sql = '';
    if (filter.workType !== undefined) sql += ` AND work_type = $${params.push(filter.workType)}`;
    if (filter.team !== undefined) sql += ` AND team = $${params.push(filter.team)}`;
    return sql;
  }

  /**
   * One transaction. Backlog rows are taken best first with FOR UPDATE SKIP LOCKED; a row whose
   * declared paths conflict with live reservations is passed over (it stays locked, and skipped,
   * until the transaction ends) and the next one is taken. The reservation lock is taken at the
   * first row declaring paths, before its check, and held to the commit, so the claim's rows enter
   * the table before anyone else can reserve or claim overlapping paths. Rows without paths cost
   * nothing more than before.
   */
  claimNext(filter: ClaimFilter, claim: (item: WorkItem, nowMs: number) => WorkItem): Promise<ClaimOutcome> {
    return this.tx(async (c) => {
      const params: unknown[] = [];
      const now = this.nowSql(params);
      const where = this.filterSql(filter, params);
      const passed: string[] = [];
      let locked = false;
      const lock = async () => {
        if (!locked) await lockReservations(c, this.pg.schema);
        locked = true;
      };
      for (;;) {
        const skip = passed.length ? ` AND work_item_id <> ALL($${params.length + 1}::text[])` : '';
        const res = await c.query<Row>(
          `SELECT item, place, ${NOW_MS} AS now_ms FROM ${this.t}
           WHERE place = 'backlog' AND (retry_at IS NULL OR retry_at <= ${now})${where}${skip}
           ORDER BY rank, length(work_item_id), work_item_id LIMIT 1 FOR UPDATE SKIP LOCKED`,
          passed.length ? [...params, passed] : params,
        );
        const row = res.rows[0];
        if (!row) break;
        const paths = declaredPaths(row.item);
        if (paths.length) {
          await lock();
          const live = await liveRows(c, this.s, { patterns: paths }, row.item.work_item_id);
          if (conflictsOf(paths.map((path) => ({ path })), live, row.item.work_item_id).length) {
            passed.push(row.item.work_item_id);
            continue;
          }
        }
        const nowMs = this.timeOf(row);
        const { item: claimed, event } = recordChange('claimed', row.item, claim(row.item, nowMs), 'backlog', 'active', nowMs);
        await writeItem(c, this.t, claimed, 'active');
        if (claimed.reserved_paths?.length) {
          await lock();
          await replaceReservations(c, this.s, claimed);
        }
        // After the reservation table's lock: the log's lock is always the last one taken.
        await this.log(c, [event]);
        return { item: claimed };
      }
      const next = await c.query<{ next_ms: number | null }>(
        `SELECT (extract(epoch from min(retry_at)) * 1000)::float8 AS next_ms FROM ${this.t} WHERE place = 'backlog' AND retry_at > ${now}${where}`,
        params,
      );
      const nextMs = next.rows[0]?.next_ms;
      return nextMs ? { nextRetryMs: nextMs } : {};
    });
  }

  async listClaimable(filter: ClaimFilter, limit: number): Promise<WorkItem[]> {
    const params: unknown[] = [];
    const now = this.nowSql(params);
    const where = this.filterSql(filter, params);
    const lim = Number.isFinite(limit) ? ` LIMIT ${Math.max(0, Math.floor(limit))}` : '';
    const rows = await this.read<{ item: WorkItem }>(
      `SELECT item FROM ${this.t} WHERE place = 'backlog' AND (retry_at IS NULL OR retry_at <= ${now})${where} ORDER BY rank, length(work_item_id), work_item_id${lim}`,
      params,
    );
    return rows.map((r) => r.item);
  }

  async find(id: string): Promise<Found | null> {
    const rows = await this.read<{ item: WorkItem; place: Place }>(`SELECT item, place FROM ${this.t} WHERE work_item_id = $1`, [id]);
    return rows[0] ? { item: rows[0].item, place: rows[0].place } : null;
  }

  async list(places: readonly Place[]): Promise<WorkItem[]> {
    const rows = await this.read<{ item: WorkItem }>(`SELECT item FROM ${this.t} WHERE place = ANY($1)`, [[...places]]);
    return rows.map((r) => r.item);
  }

  async countQueued(): Promise<number> {
    const rows = await this.read<{ n: string }>(`SELECT count(*) AS n FROM ${this.t} WHERE place = 'backlog'`);
    return Number(rows[0]?.n ?? 0);
  }

  async completedIds(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.read<{ work_item_id: string }>(`SELECT work_item_id FROM ${this.t} WHERE work_item_id = ANY($1) AND place IN ('finished', 'archived') AND status = 'completed'`, [[...ids]]);
    return new Set(rows.map((r) => r.work_item_id));
  }

  async agents(): Promise<AgentRecord[]> {
    return (await this.read<{ record: AgentRecord }>(`SELECT record FROM ${this.s}.agents ORDER BY ord`)).map((r) => r.record);
  }

  updateAgents<T>(change: (agents: readonly AgentRecord[], nowMs: number) => { agents?: AgentRecord[]; result: T }): Promise<T> {
    return this.tx(async (c) => {
      // The registry changes as a whole: one lock for it, like the file store's one file.
      await c.query('SELECT pg_advisory_xact_lock(1400332659, hashtext($1))', [this.pg.schema]);
      const rows = await c.query<{ record: AgentRecord }>(`SELECT record FROM ${this.s}.agents ORDER BY ord`);
      const before = rows.rows.map((r) => r.record);
      const out = change(before, await this.nowOn(c));
      if (out.agents) await writeRegistry(c, this.s, before, out.agents);
      return out.result;
    });
  }

  async totals(): Promise<Totals> {
    const agents = await this.read<{ agent_id: string; tasks_completed: string; velocity_points: string; last_completed_at: string | null }>(`SELECT * FROM ${this.s}.agent_totals`);
    const teams = await this.read<{ team: string; tasks_completed: string; velocity_points: string }>(`SELECT * FROM ${this.s}.team_totals`);
    const totals: Totals = { agents: {}, teams: {} };
    // ownEntry: a team called __proto__ is a key like any other, never the object's prototype.
    for (const a of agents) ownEntry(totals.agents, a.agent_id, () => ({ tasks_completed: Number(a.tasks_completed), velocity_points: Number(a.velocity_points), last_completed_at: a.last_completed_at }));
    for (const t of teams) ownEntry(totals.teams, t.team, () => ({ tasks_completed: Number(t.tasks_completed), velocity_points: Number(t.velocity_points) }));
    return totals;
  }

  reapDue(intervalMs: number): Promise<boolean> {
    return this.tx(async (c) => {
      const now = await this.nowOn(c);
      const res = await c.query(
        `INSERT INTO ${this.s}.swarmfile_meta AS m (key, value) VALUES ('reap_stamp', $1::text)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE m.value::float8 <= $1::float8 - $2 OR m.value::float8 > $1::float8`,
        [now, intervalMs],
      );
      return res.rowCount === 1;
    });
  }

  async settle(): Promise<void> {
    // Committed transactions are visible to every later statement: nothing to wait for.
  }

  archiveFinished(cutoffMs: number, dryRun: boolean): Promise<ArchiveOutcome> {
    return this.tx(async (c) => {
      const finished = [...FINISHED_STATUSES];
      const where = `place = 'finished' AND status = ANY($1) AND completed_at < to_timestamp($2 / 1000.0)
        AND NOT EXISTS (SELECT 1 FROM ${this.t} w WHERE w.place = 'waiting' AND w.depends_on @> ARRAY[${this.t}.work_item_id])`;
      let archived: number;
      if (dryRun) archived = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.t} WHERE ${where}`, [finished, cutoffMs])).rows[0]!.n);
      else {
        // The record is kept as it is (same revision); each archived item gets its event.
        const res = await c.query<{ item: WorkItem }>(`UPDATE ${this.t} SET place = 'archived' WHERE ${where} RETURNING item`, [finished, cutoffMs]);
        archived = res.rows.length;
        if (archived) {
          const now = await this.nowOn(c);
          const items = res.rows.map((r) => r.item).sort((a, b) => (a.work_item_id < b.work_item_id ? -1 : a.work_item_id > b.work_item_id ? 1 : 0));
          await this.log(c, items.map((item) => eventOf('archived', null, item, 'finished', 'archived', now)));
        }
      }
      return { archived, archives: archived && !dryRun ? [`${this.pg.schema}.work_items (place archived)`] : [] };
    });
  }

  importBatch(batch: ImportBatch, dryRun: boolean): Promise<ImportOutcome> {
    return this.tx(async (c) => {
      // A dry run does it all and then undoes it, so its report is exactly what a real run would do.
      if (dryRun) await c.query('SAVEPOINT import_start');
      const { outcome, events } = await importRows(c, this.s, batch, await this.nowOn(c));
      if (dryRun) await c.query('ROLLBACK TO SAVEPOINT import_start');
      else await this.log(c, events);
      return outcome;
    });
  }

  /** `migrate` (see copyRows): copies another store's contents in as they are (no events: the log starts here). */
  copyIn(items: readonly Found[], agents: readonly AgentRecord[], totals: Totals): Promise<CopyOutcome> {
    return this.tx(async (c) => {
      const out = await copyRows(c, this.s, this.pg.schema, items, agents, totals);
      if (out.copied.backlog) await this.notify(c);
      return out;
    });
  }

  watchQueue(changed: () => void): Promise<QueueWatch> {
    return this.pg.listen(this.channel, changed);
  }

  /** The change log after `cursor` (pgEvents.ts). No retention on PostgreSQL: never a gap. */
  readEvents(cursor: string | null, limit: number): Promise<EventPage> {
    return this.tx((c) => readEventRows(c, this.s, cursor, limit), false);
  }

  watchEvents(changed: () => void): Promise<QueueWatch> {
    return this.pg.listen(this.eventChannel, changed);
  }
}
