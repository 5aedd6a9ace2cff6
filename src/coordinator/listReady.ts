import type { ClaimFilter } from '../model/claimOrder.js';
import { conflictsOf, type Conflict } from '../model/pathConflicts.js';
import type { WorkItem } from '../model/types.js';
import { wholeNumber } from '../model/validate.js';
import { validateFilter } from './claimNext.js';
import type { OpContext } from './OpContext.js';
import { maybeReap } from './reapClaims.js';

/** A claimable item claim-next passes over while its declared paths conflict with live reservations. */
export interface HeldBack {
  item: WorkItem;
  conflicts: Conflict[];
}

/** What claim-next would hand out now, in the order it would (at most `limit` items). */
export async function listReady(ctx: OpContext, input: ClaimFilter & { limit?: number } = {}): Promise<WorkItem[]> {
  return (await sortOut(ctx, input)).ready;
}

/** Claimable items held back by path conflicts (of the first `limit` claimable ones). */
export async function heldBack(ctx: OpContext, input: ClaimFilter & { limit?: number } = {}): Promise<HeldBack[]> {
  return (await sortOut(ctx, input)).held;
}

/**
 * The claimable items, in claim-next's order, split into those it would hand out and those whose
 * declared paths conflict with live reservations now (each checked against the reservations alone:
 * two ready items may declare overlapping paths, and the second waits once the first is claimed).
 */
async function sortOut(ctx: OpContext, input: ClaimFilter & { limit?: number }): Promise<{ ready: WorkItem[]; held: HeldBack[] }> {
  const filter = validateFilter(input);
  const limit = input.limit === undefined ? Number.POSITIVE_INFINITY : wholeNumber('limit', input.limit);
  await maybeReap(ctx);
  await ctx.store.settle();
  const items = await ctx.store.listClaimable(filter, limit);
  const patterns = [...new Set(items.flatMap((w) => w.paths ?? []))];
  const live = patterns.length ? await ctx.store.liveReservations({ patterns }) : [];
  const ready: WorkItem[] = [];
  const held: HeldBack[] = [];
  for (const item of items) {
    const conflicts = item.paths?.length ? conflictsOf(item.paths.map((path) => ({ path })), live, item.work_item_id) : [];
    if (conflicts.length) held.push({ item, conflicts });
    else ready.push(item);
  }
  return { ready, held };
}
