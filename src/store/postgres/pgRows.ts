import type { PoolClient } from 'pg';
import { priorityRank } from '../../model/claimOrder.js';
import type { WorkItem } from '../../model/types.js';
import type { Place } from '../WorkStore.js';

/** The columns of work_items written for an item, in this order, from its record. */
export const ITEM_COLUMNS = 'work_item_id, place, rank, work_type, team, agent_id, status, retry_at, lease_expires_at, completed_at, depends_on, item';

const time = (v: string | null | undefined) => (v && Number.isFinite(Date.parse(v)) ? v : null);

export function itemValues(item: WorkItem, place: Place): unknown[] {
  return [
    item.work_item_id,
    place,
    priorityRank(item.priority),
    item.work_type,
    item.team,
    item.agent_id,
    item.status,
    time(item.retry_at),
    time(item.lease_expires_at),
    time(item.completed_at),
    item.depends_on ?? [],
    JSON.stringify(item),
  ];
}

/** `$1, $2, ... $12` shifted by `offset` parameters. */
export const itemParams = (offset = 0) => Array.from({ length: 12 }, (_, i) => `$${i + 1 + offset}`).join(', ');

/** Rewrites one item's row (its place, copied columns and record). */
export async function writeItem(client: PoolClient, table: string, item: WorkItem, place: Place): Promise<void> {
  await client.query(
    `UPDATE ${table} SET place = $2, rank = $3, work_type = $4, team = $5, agent_id = $6, status = $7, retry_at = $8, lease_expires_at = $9, completed_at = $10, depends_on = $11, item = $12 WHERE work_item_id = $1`,
    itemValues(item, place),
  );
}

export async function insertItem(client: PoolClient, table: string, item: WorkItem, place: Place): Promise<boolean> {
  const res = await client.query(`INSERT INTO ${table} (${ITEM_COLUMNS}) VALUES (${itemParams()}) ON CONFLICT (work_item_id) DO NOTHING`, itemValues(item, place));
  return res.rowCount === 1;
}

/** The database's clock, ms since the epoch: every stored time of a PostgreSQL store comes from it. */
export const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::float8`;
