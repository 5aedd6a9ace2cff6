/**
 * The PostgreSQL store's bulk writes and counters, inside a caller's transaction: crediting a
 * completion, import-swarmsh's batch, and `migrate`'s copy of another store. `s` is the quoted schema.
 */
import type { PoolClient } from 'pg';
import { recordChange, type ChangeEvent } from '../../model/changeEvent.js';
import type { AgentRecord, WorkItem } from '../../model/types.js';
import type { Found, ImportBatch, ImportOutcome, Place, Totals } from '../WorkStore.js';
import { conflictError, conflictsOf } from '../../model/pathConflicts.js';
import { EVENTS_COMPLETE_KEY } from './pgEvents.js';
import { insertReservations, liveRows, lockReservations } from './pgReservations.js';
import { insertItem } from './pgRows.js';

/** Counts one completion for `agent` and the item's team. */
export async function creditCompletion(c: PoolClient, s: string, agent: string, item: WorkItem): Promise<void> {
  const points = item.velocity_points ?? 0;
  await c.query(
    `INSERT INTO ${s}.agent_totals AS a (agent_id, tasks_completed, velocity_points, last_completed_at) VALUES ($1, 1, $2, $3)
     ON CONFLICT (agent_id) DO UPDATE SET tasks_completed = a.tasks_completed + 1, velocity_points = a.velocity_points + $2,
       last_completed_at = GREATEST(a.last_completed_at, EXCLUDED.last_completed_at)`,
    [agent, points, item.completed_at ?? null],
  );
  await c.query(
    `INSERT INTO ${s}.team_totals AS t (team, tasks_completed, velocity_points) VALUES ($1, 1, $2)
     ON CONFLICT (team) DO UPDATE SET tasks_completed = t.tasks_completed + 1, velocity_points = t.velocity_points + $2`,
    [item.team, points],
  );
}

/** Registers the agents not registered yet; returns how many. */
async function insertAgents(c: PoolClient, s: string, agents: readonly AgentRecord[]): Promise<number> {
  let n = 0;
  for (const a of agents) n += (await c.query(`INSERT INTO ${s}.agents (agent_id, record) VALUES ($1, $2) ON CONFLICT (agent_id) DO NOTHING`, [a.agent_id, JSON.stringify(a)])).rowCount ?? 0;
  return n;
}

/**
 * import-swarmsh: active items claimed, finished ones counted, agents registered; present ids
 * skipped. Each item imported is stored as recordChange('imported') made it (revision 1), and its
 * event returned for the caller to log: a finished one credits the agent its counters count it
 * for (the same agent creditCompletion is given, as the file store's creditedAgent).
 */
export async function importRows(c: PoolClient, s: string, batch: ImportBatch, nowMs: number): Promise<{ outcome: ImportOutcome; events: ChangeEvent[] }> {
  const t = `${s}.work_items`;
  const outcome: ImportOutcome = { active: [], finished: 0, agents: 0, skipped: 0 };
  const events: ChangeEvent[] = [];
  for (const item of batch.active) {
    const change = recordChange('imported', null, item, null, 'active', nowMs);
    if (await insertItem(c, t, change.item, 'active')) {
      outcome.active.push(item.work_item_id);
      events.push(change.event);
    } else outcome.skipped++;
  }
  for (const item of batch.finished) {
    const agent = item.agent_id ?? 'unknown_agent';
    const change = recordChange('imported', null, item, null, 'finished', nowMs, agent);
    if (!(await insertItem(c, t, change.item, 'finished'))) {
      outcome.skipped++;
      continue;
    }
    outcome.finished++;
    events.push(change.event);
    await creditCompletion(c, s, agent, change.item);
  }
  outcome.agents = await insertAgents(c, s, batch.agents);
  return { outcome, events };
}

export interface CopyOutcome {
  copied: Partial<Record<Place, number>>;
  skipped: number;
  agents: number;
  counters: number;
}

/**
 * `migrate`: another store's contents as they are (ids, places, tokens, counters, revisions). Ids,
 * agents and counters already here are left alone, so a second run copies only what is new.
 *
 * A copy is no change of the items: it writes no event. Their history stays in the store they came
 * from, so this store's change log starts at the migration: once anything was copied in, the log
 * no longer holds the whole history (events_complete false, pgEvents.ts), and `audit` reports
 * partial coverage instead of items and counters without events.
 */
export async function copyRows(c: PoolClient, s: string, schema: string, items: readonly Found[], agents: readonly AgentRecord[], totals: Totals): Promise<CopyOutcome> {
  const out: CopyOutcome = { copied: {}, skipped: 0, agents: 0, counters: 0 };
  let locked = false;
  for (const { item, place } of items) {
    const held = place === 'active' ? (item.reserved_paths ?? []) : [];
    if (held.length && !locked) {
      await lockReservations(c, schema);
      locked = true;
    }
    if (await insertItem(c, `${s}.work_items`, item, place)) {
      out.copied[place] = (out.copied[place] ?? 0) + 1;
      if (held.length === 0) continue;
      // A claim's reservations come with it, unless a live claim already here holds an overlapping
      // path (a store in use): then the whole copy is refused (CONFLICT) and nothing is written.
      const conflicts = conflictsOf(held, await liveRows(c, s, { patterns: held.map((r) => r.path) }, item.work_item_id), item.work_item_id);
      if (conflicts.length) throw conflictError(`cannot migrate the claim ${item.work_item_id} with its reservations`, conflicts);
      await insertReservations(c, s, item);
    } else out.skipped++;
  }
  out.agents = await insertAgents(c, s, agents);
  for (const [id, a] of Object.entries(totals.agents)) {
    const res = await c.query(`INSERT INTO ${s}.agent_totals (agent_id, tasks_completed, velocity_points, last_completed_at) VALUES ($1, $2, $3, $4) ON CONFLICT (agent_id) DO NOTHING`, [id, a.tasks_completed, a.velocity_points, a.last_completed_at]);
    out.counters += res.rowCount ?? 0;
  }
  for (const [team, tt] of Object.entries(totals.teams)) {
    const res = await c.query(`INSERT INTO ${s}.team_totals (team, tasks_completed, velocity_points) VALUES ($1, $2, $3) ON CONFLICT (team) DO NOTHING`, [team, tt.tasks_completed, tt.velocity_points]);
    out.counters += res.rowCount ?? 0;
  }
  if (Object.keys(out.copied).length || out.counters) {
    await c.query(`INSERT INTO ${s}.swarmfile_meta (key, value) VALUES ($1, 'false') ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [EVENTS_COMPLETE_KEY]);
  }
  return out;
}

/** Replaces the registry `before` by `after`: removes the agents gone, writes the ones new or changed. */
export async function writeRegistry(c: PoolClient, s: string, before: readonly AgentRecord[], after: readonly AgentRecord[]): Promise<void> {
  const keep = new Set(after.map((a) => a.agent_id));
  const gone = before.filter((a) => !keep.has(a.agent_id)).map((a) => a.agent_id);
  if (gone.length) await c.query(`DELETE FROM ${s}.agents WHERE agent_id = ANY($1)`, [gone]);
  const was = new Map(before.map((a) => [a.agent_id, JSON.stringify(a)]));
  for (const a of after) {
    const json = JSON.stringify(a);
    if (was.get(a.agent_id) === json) continue;
    await c.query(`INSERT INTO ${s}.agents (agent_id, record) VALUES ($1, $2) ON CONFLICT (agent_id) DO UPDATE SET record = EXCLUDED.record`, [a.agent_id, json]);
  }
}
