import { listSegments } from '../backlog/listSegments.js';
import { isClaimable, type ClaimFilter } from '../model/claimOrder.js';
import type { WorkItem } from '../model/types.js';
import { wholeNumber } from '../model/validate.js';
import { validateFilter } from './claimNext.js';
import type { OpContext } from './OpContext.js';
import { maybeReap } from './reapClaims.js';
import { readItems } from './storeShapes.js';
import { unlessDamaged } from './containDamage.js';

/** What claim-next would hand out now, in the order it would (at most `limit` items). */
export async function listReady(ctx: OpContext, input: ClaimFilter & { limit?: number } = {}): Promise<WorkItem[]> {
  const filter = validateFilter(input);
  const limit = input.limit === undefined ? Number.POSITIVE_INFINITY : wholeNumber('limit', input.limit);
  await maybeReap(ctx);
  await ctx.store.settle(ctx.lockStats);
  const out: WorkItem[] = [];
  const nowMs = ctx.config.clock();
  for (const seg of await listSegments(ctx.store)) {
    for (const w of await unlessDamaged('ready', () => readItems(ctx.store, seg.file), [])) {
      if (!isClaimable(w, nowMs, filter)) continue;
      out.push(w);
      if (out.length >= limit) return out;
    }
  }
  return out;
}
