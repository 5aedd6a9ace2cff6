/**
 * `audit`: replays the change log against the store. Exactly-once means, item by item: claimed at
 * most once per fencing token, completed at most once, its current record made by the logged
 * change with its revision (no change without its event) and no logged change beyond it (no event
 * without its change), in the place that change put it; nothing with events missing from the
 * store; and, when the log holds the whole history, every item logged and the counters equal to
 * the logged completions.
 *
 * Lock-free against a live store: the log is read, committed changes settled, the store read,
 * then the log read again (events newer than the store's read only excuse what they explain). A
 * run during which the log grew may see an item mid-move, so a discrepancy counts only when the
 * next run finds it again (up to MAX_RUNS runs); a run with no writes meanwhile is exact.
 */
import type { ChangeEvent, ChangePlace } from '../model/changeEvent.js';
import { revisionOf } from '../model/changeEvent.js';
import type { WorkItem } from '../model/types.js';
import type { Place } from '../store/WorkStore.js';
import type { OpContext } from './OpContext.js';

export interface Discrepancy {
  /** A stable name of the check that failed. */
  check: 'claimed_twice' | 'completed_twice' | 'change_without_event' | 'event_without_change' | 'wrong_place' | 'broken_chain' | 'missing' | 'two_places' | 'not_logged' | 'counters';
  work_item_id?: string;
  agent_id?: string;
  detail: string;
}

export interface AuditReport {
  consistent: boolean;
  /** Events read (the whole log). */
  events: number;
  /** Items in the store (archives included). */
  items: number;
  /** complete: the log holds every change since the store was created; partial: it starts later or retention deleted the oldest part, so the history checks were skipped. */
  coverage: 'complete' | 'partial';
  /** Runs it took (more than one when writers were busy meanwhile). */
  runs: number;
  /** Partial coverage: items whose current revision's event is not in the log (older than it, or gone with retention), so not judged. */
  unverified: number;
  discrepancies: Discrepancy[];
}

const MAX_RUNS = 5;
const PAGE = 5000;
const PLACES: readonly Place[] = ['waiting', 'backlog', 'active', 'dead', 'finished', 'archived'];

async function readAll(ctx: OpContext, cursor: string | null): Promise<{ events: ChangeEvent[]; cursor: string | null; complete: boolean }> {
  const events: ChangeEvent[] = [];
  let complete = true;
  for (;;) {
    const page = await ctx.store.readEvents(cursor, PAGE);
    complete = page.complete && !page.gap;
    for (const e of page.events) {
      const { cursor: _c, ...event } = e;
      events.push(event);
    }
    cursor = page.cursor;
    if (page.events.length < PAGE) return { events, cursor, complete };
  }
}

/** Where each type of change may take an item from and to (null: it did not exist yet). */
const MOVES: Record<ChangeEvent['type'], { from: readonly (ChangePlace | null)[]; to: readonly ChangePlace[] }> = {
  added: { from: [null], to: ['backlog', 'waiting', 'active'] },
  imported: { from: [null], to: ['backlog', 'waiting', 'active', 'dead', 'finished'] },
  claimed: { from: [null, 'backlog'], to: ['active'] },
  progressed: { from: ['active'], to: ['active'] },
  reserved: { from: ['active'], to: ['active'] },
  unreserved: { from: ['active'], to: ['active'] },
  completed: { from: ['active'], to: ['finished'] },
  cancelled: { from: ['active', 'backlog', 'waiting', 'dead'], to: ['finished'] },
  failed: { from: ['active'], to: ['backlog'] },
  released: { from: ['active'], to: ['backlog'] },
  reaped: { from: ['active'], to: ['backlog'] },
  dead: { from: ['active'], to: ['dead'] },
  requeued: { from: ['dead'], to: ['backlog'] },
  promoted: { from: ['waiting'], to: ['backlog'] },
  archived: { from: ['finished'], to: ['archived'] },
};

/**
 * With the whole history logged, an item's changes are exactly revisions 1..n, each once, each a
 * move its type allows, each starting where the one before ended.
 */
function chainProblems(id: string, events: readonly ChangeEvent[], rev: number): Discrepancy[] {
  const out: Discrepancy[] = [];
  const changes = events.filter((e) => e.type !== 'archived').sort((a, b) => a.revision - b.revision);
  const seen = new Map<number, number>();
  for (const e of changes) seen.set(e.revision, (seen.get(e.revision) ?? 0) + 1);
  const top = Math.max(rev, ...changes.map((e) => e.revision));
  const missing = Array.from({ length: top }, (_, i) => i + 1).filter((r) => !seen.has(r));
  if (missing.length) out.push({ check: 'change_without_event', work_item_id: id, detail: `no logged change has revision ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''} (the item is at ${rev})` });
  const twice = [...seen].filter(([, n]) => n > 1).map(([r]) => r);
  if (twice.length) out.push({ check: 'event_without_change', work_item_id: id, detail: `revision ${twice.slice(0, 5).join(', ')} logged more than once` });
  let prev: ChangeEvent | undefined;
  for (const e of [...changes, ...events.filter((x) => x.type === 'archived')]) {
    const allowed = MOVES[e.type];
    const fits = allowed && allowed.from.includes(e.from) && allowed.to.includes(e.to);
    const follows = !prev || prev.to === e.from || (e.type === 'claimed' && e.from === null && prev.type === 'added');
    if (!fits || !follows) {
      out.push({ check: 'broken_chain', work_item_id: id, detail: `revision ${e.revision} (${e.type}) goes ${e.from ?? 'nowhere'} -> ${e.to}${follows ? ', which that change does not do' : `, but the change before it left the item in ${prev!.to}`}` });
      break;
    }
    prev = e;
  }
  return out;
}

const key = (d: Discrepancy) => `${d.check}\0${d.work_item_id ?? ''}\0${d.agent_id ?? ''}`;

export async function auditLog(ctx: OpContext): Promise<AuditReport> {
  let persistent = new Map<string, Discrepancy>();
  let last: Omit<AuditReport, 'runs' | 'discrepancies' | 'consistent'> = { events: 0, items: 0, unverified: 0, coverage: 'partial' };
  for (let run = 1; ; run++) {
    const r = await auditOnce(ctx);
    last = r;
    const found = new Map(r.discrepancies.map((d) => [key(d), d]));
    const prev = persistent;
    persistent = run === 1 ? found : new Map([...found].filter(([k]) => prev.has(k)));
    if (persistent.size === 0 || !r.busy || run >= MAX_RUNS) {
      const discrepancies = [...persistent.values()];
      return { consistent: discrepancies.length === 0, events: last.events, items: last.items, unverified: last.unverified, coverage: last.coverage, runs: run, discrepancies };
    }
  }
}

async function auditOnce(ctx: OpContext): Promise<{ events: number; items: number; unverified: number; coverage: 'complete' | 'partial'; busy: boolean; discrepancies: Discrepancy[] }> {
  const before = await readAll(ctx, null);
  await ctx.store.settle();
  const places = new Map<string, { item: WorkItem; place: Place }[]>();
  for (const place of PLACES) {
    for (const item of await ctx.store.list([place])) {
      const list = places.get(item.work_item_id) ?? [];
      list.push({ item, place });
      places.set(item.work_item_id, list);
    }
  }
  const totals = await ctx.store.totals('audit');
  const after = await readAll(ctx, before.cursor);
  const busy = after.events.length > 0;
  const all = [...before.events, ...after.events];
  const complete = before.complete && after.complete;
  const out: Discrepancy[] = [];
  let unverified = 0;
  const byItem = new Map<string, ChangeEvent[]>();
  for (const e of all) (byItem.get(e.work_item_id) ?? byItem.set(e.work_item_id, []).get(e.work_item_id)!).push(e);
  const earlier = new Map<string, ChangeEvent[]>();
  for (const e of before.events) (earlier.get(e.work_item_id) ?? earlier.set(e.work_item_id, []).get(e.work_item_id)!).push(e);

  for (const [id, events] of byItem) {
    const claims = new Map<number, number>();
    let completions = 0;
    for (const e of events) {
      if (e.type === 'claimed') claims.set(e.fencing_token ?? -1, (claims.get(e.fencing_token ?? -1) ?? 0) + 1);
      if (e.type === 'completed') completions++;
    }
    for (const [token, n] of claims) if (n > 1) out.push({ check: 'claimed_twice', work_item_id: id, detail: `claimed ${n} times with fencing token ${token}` });
    if (completions > 1) out.push({ check: 'completed_twice', work_item_id: id, detail: `completed ${completions} times` });
    const found = places.get(id);
    if (!found) {
      // Logged before the store was read: it must be somewhere.
      if (earlier.has(id)) out.push({ check: 'missing', work_item_id: id, detail: `has ${events.length} logged change(s) (last: ${events[events.length - 1]!.type}) but is in no place of the store` });
      continue;
    }
    if (found.length > 1) {
      out.push({ check: 'two_places', work_item_id: id, detail: `is in ${found.map((f) => f.place).join(' and ')}` });
      continue;
    }
    const { item, place } = found[0]!;
    const rev = revisionOf(item);
    const made = events.filter((e) => e.revision === rev && e.type !== 'archived');
    const newer = events.some((e) => e.revision > rev);
    // With partial coverage the event may be gone with the history (retention, a migrated item): not judged.
    if (rev > 0 && made.length === 0 && complete) out.push({ check: 'change_without_event', work_item_id: id, detail: `is at revision ${rev} in ${place}, and no logged change has that revision` });
    if (rev > 0 && made.length === 0 && !complete) unverified++;
    for (const e of earlier.get(id) ?? []) {
      if (e.revision > rev) out.push({ check: 'event_without_change', work_item_id: id, detail: `a logged ${e.type} has revision ${e.revision}, the item in ${place} is at ${rev}` });
    }
    if (made.length > 1) out.push({ check: 'event_without_change', work_item_id: id, detail: `${made.length} logged changes share revision ${rev} (${made.map((e) => e.type).join(', ')})` });
    if (complete) out.push(...chainProblems(id, events, rev));
    if (!newer && made.length === 1) {
      const archivedNow = place === 'archived';
      const logged: ChangePlace = events.some((e) => e.type === 'archived' && e.revision === rev) ? 'archived' : made[0]!.to;
      if ((archivedNow ? 'archived' : place) !== logged) out.push({ check: 'wrong_place', work_item_id: id, detail: `is in ${place}; its last logged change (${made[0]!.type}, revision ${rev}) put it in ${logged}` });
    }
  }
  if (complete) {
    for (const [id, found] of places) if (!byItem.has(id)) out.push({ check: 'not_logged', work_item_id: id, detail: `is in ${found[0]!.place} but the log, which holds the whole history, has no change of it` });
    const credited = new Map<string, { tasks: number; points: number }>();
    for (const e of all) {
      if (e.credit === undefined) continue;
      const c = credited.get(e.credit) ?? { tasks: 0, points: 0 };
      c.tasks++;
      c.points += e.velocity_points ?? 0;
      credited.set(e.credit, c);
    }
    const agents = new Set([...credited.keys(), ...Object.keys(totals.agents)]);
    for (const agent of agents) {
      const logged = credited.get(agent) ?? { tasks: 0, points: 0 };
      const counted = totals.agents[agent] ?? { tasks_completed: 0, velocity_points: 0 };
      if (logged.tasks !== counted.tasks_completed || logged.points !== counted.velocity_points) {
        out.push({ check: 'counters', agent_id: agent, detail: `counters say ${counted.tasks_completed} completion(s), ${counted.velocity_points} point(s); the log credits ${logged.tasks}, ${logged.points}` });
      }
    }
  }
  const items = [...places.values()].length;
  return { events: all.length, items, unverified, coverage: complete ? 'complete' : 'partial', busy, discrepancies: out };
}
