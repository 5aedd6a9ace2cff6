/**
 * The PostgreSQL store's change log (issue 10): `<schema>.events`, one row per committed change of
 * an item, inserted in the transaction that makes the change (never one without the other).
 *
 * Commit order is id order. A bigserial hands out ids when a row is inserted, not when its
 * transaction commits: left alone, a transaction that took id 7 could commit before one holding
 * id 6, and a follower reading `id > 6` in between would skip 6 forever. So every transaction
 * takes one advisory lock per schema (EVENTS_LOCK) right before its events are inserted, as the
 * last thing it does before COMMIT, and holds it until the commit is visible (transaction-scoped
 * locks are released after that): ids are drawn only under the lock, so they commit in the order
 * they were drawn, and whatever a reader sees is a prefix of the log (ids of transactions rolled
 * back leave holes that never fill, which readers skip naturally).
 *
 * Deadlock-free: the lock is always the last one a transaction takes (after its row locks and the
 * reservation table's lock, pgReservations.lockReservations), and under it the transaction only
 * inserts into the events table (no unique key but a fresh bigserial: nothing to wait for),
 * notifies and commits. A holder never waits for anything, so it cannot close a cycle. The price:
 * writing transactions serialize from this statement to their commit (one round trip each).
 *
 * No retention: the log keeps every event (there is no gap on PostgreSQL). Whether it holds the
 * store's whole history is recorded in swarmfile_meta (EVENTS_COMPLETE_KEY): true for a store
 * created with the log (schema version 3), false for a store with contents migrated from version
 * 2, or filled by `migrate` (copyRows), whose items come without their history.
 */
import type { PoolClient } from 'pg';
import { SwarmError } from '../../errors.js';
import type { ChangeEvent, LoggedEvent } from '../../model/changeEvent.js';
import type { EventPage } from '../WorkStore.js';

/** The meta key saying whether the log covers the store from its creation ('true' / 'false'). */
export const EVENTS_COMPLETE_KEY = 'events_complete';

/**
 * Serializes the events' inserts per schema (see above). 1400332658 is the constant migrate() and
 * lockReservations use, with a key of its own.
 */
const EVENTS_LOCK = `pg_advisory_xact_lock(1400332658, hashtext($1 || ':events'))`;

/** The NOTIFY channel of a schema's change log (names end at 63 bytes, as for the queue's). */
export const eventsChannel = (schema: string) => `swarmfile_events_${schema}`.slice(0, 63);

/**
 * Appends `events` (in this order) to the log and notifies followers, in the caller's transaction;
 * call it last, right before the commit. One statement: the lock, the insert (ids drawn under the
 * lock, in the events' order: the Sort emits no row before the lock's CTE was scanned) and the
 * notification (delivered on commit).
 */
export async function logEvents(c: PoolClient, s: string, schema: string, events: readonly ChangeEvent[]): Promise<void> {
  if (events.length === 0) return;
  await c.query(
    `WITH held AS MATERIALIZED (SELECT ${EVENTS_LOCK} AS locked),
     ins AS (
       INSERT INTO ${s}.events (ts, work_item_id, event)
       SELECT x.e->>'ts', x.e->>'work_item_id', x.e FROM held, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, n)
       ORDER BY x.n
       RETURNING id
     )
     SELECT pg_notify($3, ''), (SELECT count(*) FROM ins) AS n`,
    [schema, JSON.stringify(events), eventsChannel(schema)],
  );
}

/** The order of an event's fields as eventOf writes them (jsonb keeps its own order): the same JSON as the file store. */
const FIELD_ORDER: readonly string[] = ['ts', 'type', 'work_item_id', 'revision', 'agent_id', 'fencing_token', 'from', 'to', 'status', 'progress', 'work_type', 'team', 'priority', 'credit', 'velocity_points', 'paths'];

function ordered(event: Record<string, unknown>, cursor: string): LoggedEvent {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) if (k in event) out[k] = event[k];
  for (const k of Object.keys(event)) if (!(k in out)) out[k] = event[k];
  out.cursor = cursor;
  return out as unknown as LoggedEvent;
}

/** The id after which a cursor resumes; INVALID_INPUT for anything this store did not print. */
export function parseCursor(cursor: string | null): string {
  if (cursor === null) return '0';
  const m = /^p(0|[1-9][0-9]{0,17})$/.exec(cursor);
  if (m) return m[1]!;
  const shown = JSON.stringify(cursor.slice(0, 80));
  if (/^f/.test(cursor)) throw new SwarmError('INVALID_INPUT', `--since: ${shown} is a cursor of a file store's change log; this PostgreSQL store's cursors start with p (printed by 'events --json' for this store)`);
  throw new SwarmError('INVALID_INPUT', `--since: ${shown} is neither a time nor a cursor printed by 'events --json' for this PostgreSQL store (p<number>)`);
}

/** WorkStore.readEvents: events after `cursor` in id (= commit) order, at most `limit`. */
export async function readEventRows(c: PoolClient, s: string, cursor: string | null, limit: number): Promise<EventPage> {
  const after = parseCursor(cursor);
  const lim = Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : null;
  const rows = await c.query<{ id: string; event: Record<string, unknown> }>(`SELECT e.id::text AS id, e.event FROM ${s}.events e WHERE e.id > $1::bigint ORDER BY e.id${lim === null ? '' : ` LIMIT ${lim}`}`, [after]);
  const meta = await c.query<{ value: string }>(`SELECT value FROM ${s}.swarmfile_meta WHERE key = $1`, [EVENTS_COMPLETE_KEY]);
  if (rows.rows.length === 0 && after !== '0' && lim !== 0) {
    // Ahead of every id drawn so far: printed for another store (or this one was recreated).
    const seq = await c.query<{ last: string; called: boolean }>(`SELECT last_value::text AS last, is_called AS called FROM ${s}.events_id_seq`);
    const drawn = seq.rows[0]?.called ? BigInt(seq.rows[0].last) : 0n;
    if (BigInt(after) > drawn) throw new SwarmError('INVALID_INPUT', `--since: the cursor ${cursor} is ahead of this store's change log (its last event is p${drawn}); was it printed for another store?`);
  }
  const events = rows.rows.map((r) => ordered(r.event, `p${r.id}`));
  return {
    events,
    cursor: events.length ? events[events.length - 1]!.cursor : (cursor ?? 'p0'),
    complete: meta.rows[0]?.value === 'true',
  };
}
