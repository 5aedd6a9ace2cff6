/**
 * The PostgreSQL store's reservation table (issue 9), inside a caller's transaction. `s` is the
 * quoted schema.
 *
 * A claim's reservations are kept on its active item (`reserved_paths`); `<schema>.reservations`
 * is an index of them by path, so a check reads the few rows that could overlap instead of every
 * claim. Rows are found by `keys` (pathPatterns.patternKeys): two overlapping patterns share a key
 * unless one is broad (keys NULL), so a pattern is checked against the rows sharing a key and the
 * broad ones (a GIN index and a partial one), a broad pattern against every row.
 *
 * The table follows the items in the same transactions: a reservation change rewrites its item's
 * rows, a claim writes its declared paths' rows, a claim that ends deletes them. So every row is
 * normally live; liveness (LIVE below) is still checked on every read, as the safety net, and the
 * sweep drops what fails it.
 */
import type { PoolClient } from 'pg';
import { patternKeys } from '../../model/pathPatterns.js';
import type { LiveReservation, Reservation, WorkItem } from '../../model/types.js';

/**
 * Every change that adds reservations holds this one table-wide lock (taken before any item's row
 * lock it waits for), so two claims can never both win overlapping paths: the second looks only
 * after the first committed. Deleting rows needs no such lock: it can only remove a conflict.
 * 1400332658 is the constant migrate() uses, with its own key.
 */
export async function lockReservations(c: PoolClient, schema: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(1400332658, hashtext($1 || ':reservations'))`, [schema]);
}

/**
 * Row `r` is live while its item `w` is active with the row's agent and fencing token and still
 * lists the path with the row's shared flag (a fencing token or shared flag absent from the
 * record counts as 0 or false, as in rowsOf).
 */
const LIVE = `w.work_item_id = r.work_item_id AND w.place = 'active' AND w.agent_id = r.agent_id
  AND coalesce((w.item->>'fencing_token')::numeric, 0) = r.fencing_token
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(w.item->'reserved_paths') WHEN 'array' THEN w.item->'reserved_paths' END) p
              WHERE p->>'path' = r.path AND coalesce(p->'shared' = 'true', false) = r.shared)`;

export interface ReservationQuery {
  patterns?: readonly string[];
  /** Literal file paths. */
  files?: readonly string[];
}

/** The keys a query's rows may share, or null when every row may overlap (a broad pattern, or no query). */
function queryKeys(query: ReservationQuery): string[] | null {
  if (!query.patterns?.length && !query.files?.length) return null;
  const keys = new Set<string>();
  for (const p of query.patterns ?? []) {
    const k = patternKeys(p);
    if (k === null) return null;
    for (const key of k) keys.add(key);
  }
  for (const f of query.files ?? []) for (const key of patternKeys(f, true) ?? []) keys.add(key);
  return [...keys];
}

interface LiveRow {
  path: string;
  shared: boolean;
  work_item_id: string;
  agent_id: string;
  fencing_token: number;
  reason: string | null;
  reserved_at: string;
  lease_expires_at: string | null;
}

/**
 * The live rows that may overlap the query (every live row without one), rows of `except` left
 * out, with their claim's lease. A superset: callers decide with pathConflicts.
 */
export async function liveRows(c: PoolClient, s: string, query: ReservationQuery = {}, except?: string): Promise<LiveReservation[]> {
  const params: unknown[] = [];
  const keys = queryKeys(query);
  let where = keys === null ? 'true' : `(r.keys IS NULL OR r.keys && $${params.push(keys)}::text[])`;
  if (except !== undefined) where += ` AND r.work_item_id <> $${params.push(except)}`;
  const res = await c.query<LiveRow>(
    `SELECT r.path, r.shared, r.work_item_id, r.agent_id, r.fencing_token, r.reason, r.reserved_at, w.item->>'lease_expires_at' AS lease_expires_at
     FROM ${s}.reservations r JOIN ${s}.work_items w ON ${LIVE}
     WHERE ${where} ORDER BY r.work_item_id, r.path`,
    params,
  );
  // In rowsOf's order (the file store's too), so both stores show the same JSON.
  return res.rows.map((r) => ({
    path: r.path,
    shared: r.shared,
    work_item_id: r.work_item_id,
    agent_id: r.agent_id,
    fencing_token: r.fencing_token,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    reserved_at: r.reserved_at,
    lease_expires_at: r.lease_expires_at,
  }));
}

/**
 * The rows of a claimed item's reservations, one per path (the item should list a path once; if it
 * lists one twice, the row is exclusive unless every listing is shared, which keeps it live).
 */
export function rowsOf(item: WorkItem): Reservation[] {
  const byPath = new Map<string, Reservation>();
  for (const p of item.reserved_paths ?? []) {
    const shared = !!p.shared && (byPath.get(p.path)?.shared ?? true);
    byPath.set(p.path, {
      path: p.path,
      shared,
      work_item_id: item.work_item_id,
      agent_id: item.agent_id ?? '',
      fencing_token: item.fencing_token ?? 0,
      ...(p.reason ? { reason: p.reason } : {}),
      reserved_at: p.reserved_at,
    });
  }
  return [...byPath.values()];
}

/** Whether `after` lets go of something `before` held (a path gone, or no longer exclusive): a held-back item may be claimable now. */
export function releases(before: WorkItem, after: WorkItem): boolean {
  const kept = new Map(rowsOf(after).map((r) => [r.path, r.shared]));
  return rowsOf(before).some((r) => !kept.has(r.path) || (kept.get(r.path) && !r.shared));
}

/** Adds the rows of `item`'s reservations (under lockReservations). */
export async function insertReservations(c: PoolClient, s: string, item: WorkItem): Promise<void> {
  const rows = rowsOf(item).map((r) => ({ path: r.path, shared: r.shared, reason: r.reason ?? null, reserved_at: r.reserved_at, keys: patternKeys(r.path) }));
  if (rows.length === 0) return;
  await c.query(
    `INSERT INTO ${s}.reservations (work_item_id, fencing_token, path, agent_id, shared, reason, reserved_at, keys)
     SELECT $1, $2, x.path, $3, x.shared, x.reason, x.reserved_at, x.keys
     FROM jsonb_to_recordset($4::jsonb) AS x(path text, shared boolean, reason text, reserved_at text, keys text[])
     ON CONFLICT (work_item_id, fencing_token, path) DO UPDATE
       SET agent_id = EXCLUDED.agent_id, shared = EXCLUDED.shared, reason = EXCLUDED.reason, reserved_at = EXCLUDED.reserved_at, keys = EXCLUDED.keys`,
    [item.work_item_id, item.fencing_token ?? 0, item.agent_id ?? '', JSON.stringify(rows)],
  );
}

/** Deletes every row of item `id` (its claim ended, or its rows are being rewritten). */
export async function dropReservations(c: PoolClient, s: string, id: string): Promise<void> {
  await c.query(`DELETE FROM ${s}.reservations WHERE work_item_id = $1`, [id]);
}

/** Makes the table hold exactly `item`'s reservations for it (under lockReservations). */
export async function replaceReservations(c: PoolClient, s: string, item: WorkItem): Promise<void> {
  await dropReservations(c, s, item.work_item_id);
  await insertReservations(c, s, item);
}

/** Deletes the rows that are not live; returns how many. One statement: it commits by itself. */
export async function sweepRows(c: PoolClient, s: string): Promise<number> {
  const res = await c.query(`DELETE FROM ${s}.reservations r WHERE NOT EXISTS (SELECT 1 FROM ${s}.work_items w WHERE ${LIVE})`);
  return res.rowCount ?? 0;
}
