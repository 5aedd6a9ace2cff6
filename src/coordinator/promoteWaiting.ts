import { isoSeconds } from '../model/now.js';
import type { OpContext } from './OpContext.js';

/**
 * Moves every waiting item whose dependencies are all completed into the backlog; returns how
 * many moved. Run after a completion that others wait on, and by claim-next and reap when they
 * find nothing claimable (which also repairs a completion that crashed before promoting).
 * Completion is permanent, so a lock-free look at it is safe here.
 */
export async function promoteWaiting(ctx: OpContext): Promise<number> {
  const waiting = await ctx.store.list(['waiting']);
  if (waiting.length === 0) return 0;
  const done = await ctx.store.completedIds([...new Set(waiting.flatMap((w) => w.depends_on ?? []))]);
  let moved = 0;
  for (const w of waiting) {
    if (!(w.depends_on ?? []).every((dep) => done.has(dep))) continue;
    const outcome = await ctx.store.move(w.work_item_id, ['waiting'], (item, nowMs) => ({ to: 'backlog', item: { ...item, status: 'pending', last_update: isoSeconds(nowMs) }, event: 'promoted' }));
    if (outcome.status === 'moved') moved++;
  }
  return moved;
}
