import type { WorkItem } from '../model/types.js';

/**
 * A waiting item whose dependency is dead can never become claimable until someone requeues or
 * cancels that dependency: it is `blocked`, with the dead ids in `blocked_by` (shown by list, show
 * and the dashboard, never stored). Other items are returned as they are.
 */
export function markBlocked(items: readonly WorkItem[], deadIds: ReadonlySet<string>): WorkItem[] {
  return items.map((w) => {
    if (w.status !== 'waiting') return w;
    const by = (w.depends_on ?? []).filter((d) => deadIds.has(d));
    return by.length ? { ...w, blocked_by: by } : w;
  });
}
