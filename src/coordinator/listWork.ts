import { SwarmError } from '../errors.js';
import { compareIds } from '../model/claimOrder.js';
import { FINISHED_STATUSES as FINISHED, type WorkItem } from '../model/types.js';
import type { OpContext } from './OpContext.js';
import type { Place } from '../store/WorkStore.js';
import { markBlocked } from './markBlocked.js';

export interface ListFilter {
  /**
   * Only items in this status: `pending` (backlog), `waiting` (dependencies), `dead`,
   * `completed` / `cancelled` (finished logs), or a claimed item's status (`active`, `in_progress` ...).
   */
  status?: string;
  team?: string;
  agentId?: string;
  /** Also include finished items. */
  all?: boolean;
  /** Read the cleanup archives instead of the live store. */
  archived?: boolean;
}


/** Items by creation order, as a consistent per-file snapshot: by default every unfinished one. */
/** The dashboard's words for statuses, accepted by `--status`. */
export const STATUS_ALIASES: Readonly<Record<string, string>> = { queued: 'pending', backlog: 'pending', claimed: 'active', finished: 'completed', done: 'completed' };
const LIFECYCLE = ['pending', 'waiting', 'dead', 'active', 'completed', 'cancelled'];

export async function listWork(ctx: OpContext, filter: ListFilter = {}): Promise<WorkItem[]> {
  const status = filter.status === undefined ? undefined : (STATUS_ALIASES[filter.status] ?? filter.status);
  if (status !== undefined && !LIFECYCLE.includes(status)) {
    // A claim's progress status is free (`progress ID 50 review`): valid when some claim has it now.
    const inUse = new Set<string>();
    for (const w of await ctx.store.list(['active'], 'list')) inUse.add(w.status);
    if (!inUse.has(status)) {
      throw new SwarmError('INVALID_INPUT', `unknown status ${JSON.stringify(filter.status)}: use one of ${[...LIFECYCLE, ...[...inUse].filter((x) => !LIFECYCLE.includes(x)).sort()].join(', ')} (or ${Object.keys(STATUS_ALIASES).join(', ')})`, { status: filter.status });
    }
  }
  let items: WorkItem[];
  if (filter.archived) {
    items = await ctx.store.list(['archived']);
  } else {
    await ctx.store.settle();
    const want = (s: string) => (status === undefined ? (FINISHED.has(s) ? !!filter.all : true) : status === s);
    const places: Place[] = [];
    if (want('pending')) places.push('backlog');
    if (want('waiting')) places.push('waiting');
    if (want('dead')) places.push('dead');
    if (status === undefined || !['pending', 'waiting', 'dead', 'completed', 'cancelled'].includes(status)) places.push('active');
    if (want('completed') || want('cancelled')) places.push('finished');
    // A listing shows what is readable and warns about the rest (containDamage.ts).
    items = await ctx.store.list(places, 'list');
  }
  if (items.some((w) => w.status === 'waiting')) {
    const dead = new Set((await ctx.store.list(['dead'], 'list')).map((w) => w.work_item_id));
    items = markBlocked(items, dead);
  }
  return items
    .filter(
      (w) =>
        (status === undefined || w.status === status) &&
        (filter.team === undefined || w.team === filter.team) &&
        (filter.agentId === undefined || w.agent_id === filter.agentId),
    )
    .sort((a, b) => compareIds(a.work_item_id, b.work_item_id));
}
