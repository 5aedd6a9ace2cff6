import type { ClaimFilter } from '../model/claimOrder.js';
import type { WorkItem } from '../model/types.js';
import { wholeNumber } from '../model/validate.js';
import { validateFilter } from './claimNext.js';
import type { OpContext } from './OpContext.js';
import { maybeReap } from './reapClaims.js';

/** What claim-next would hand out now, in the order it would (at most `limit` items). */
export async function listReady(ctx: OpContext, input: ClaimFilter & { limit?: number } = {}): Promise<WorkItem[]> {
  const filter = validateFilter(input);
  const limit = input.limit === undefined ? Number.POSITIVE_INFINITY : wholeNumber('limit', input.limit);
  await maybeReap(ctx);
  await ctx.store.settle();
  return ctx.store.listClaimable(filter, limit);
}
