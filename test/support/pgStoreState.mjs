// @ts-check
/**
 * The store-invariant checker's view of a PostgreSQL store: the same StoreState as scanStore
 * (storeInvariants.mjs) builds from files, read with plain SQL over the tables, never through
 * swarmfile's own code, so the same checks (consistency, exactly-once, ledger) apply to both.
 */
import pg from 'pg';

/**
 * @param {string} url a PostgreSQL URL without the schema parameter
 * @param {string} schema
 * @returns {Promise<import('./storeInvariants.mjs').StoreState>}
 */
export async function readPgStore(url, schema) {
  /** @type {import('./storeInvariants.mjs').StoreState} */
  const s = {
    active: new Map(), completed: new Map(), cancelled: new Map(), backlog: new Map(), backlogFile: new Map(),
    waiting: new Map(), dead: new Map(), completedTimes: new Map(), duplicates: new Set(), statsTeams: new Map(), statsAgentsTotal: 0,
    leftovers: [], files: 0, problems: [],
  };
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = `"${schema}"`;
    const items = await client.query(`SELECT work_item_id, place, item FROM ${q}.work_items`);
    for (const row of items.rows) {
      const item = row.item;
      if (item.work_item_id !== row.work_item_id) s.problems.push(`row ${row.work_item_id} holds the record of ${item.work_item_id}`);
      s.files++;
      // Archived items (cleanup) are finished items kept elsewhere, as the file store's archives are.
      if (row.place === 'finished' || row.place === 'archived') {
        s.completedTimes.set(item.work_item_id, 1);
        if (item.status === 'completed') s.completed.set(item.work_item_id, item);
        else if (item.status === 'cancelled') s.cancelled.set(item.work_item_id, item);
        else s.problems.push(`${item.work_item_id} is finished with status ${item.status}`);
      } else if (row.place === 'active') s.active.set(item.work_item_id, item);
      else if (row.place === 'backlog') s.backlog.set(item.work_item_id, item);
      else if (row.place === 'waiting') s.waiting.set(item.work_item_id, item);
      else if (row.place === 'dead') s.dead.set(item.work_item_id, item);
    }
    for (const t of (await client.query(`SELECT team, tasks_completed, velocity_points FROM ${q}.team_totals`)).rows) {
      s.statsTeams.set(t.team, { tasks_completed: Number(t.tasks_completed), velocity_points: Number(t.velocity_points) });
    }
    const agents = await client.query(`SELECT coalesce(sum(tasks_completed), 0) AS n FROM ${q}.agent_totals`);
    s.statsAgentsTotal = Number(agents.rows[0].n);
  } finally {
    await client.end();
  }
  return s;
}
