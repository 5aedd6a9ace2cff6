import { SwarmError } from '../errors.js';
import type { ClaimFilter } from '../model/claimOrder.js';
import type { WorkItem } from '../model/types.js';
import { validateLease, validateName } from '../model/validate.js';
import { unlessDamaged } from '../store/containDamage.js';
import { claimFields, declaredReservations } from './claimFields.js';
import { noteItem, type OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';
import { maybeReap } from './reapClaims.js';

export interface ClaimNextInput extends ClaimFilter {
  /** Lease length in seconds; default LEASE_TTL_SECONDS. */
  leaseSeconds?: number;
}

export function validateFilter(input: ClaimFilter): ClaimFilter {
  return {
    ...(input.workType !== undefined ? { workType: validateName('type', input.workType) } : {}),
    ...(input.team !== undefined ? { team: validateName('team', input.team) } : {}),
  };
}

/**
 * Takes the best claimable backlog item for the context's agent: highest priority, then oldest,
 * skipping items waiting out a retry delay or not matching the filter. Exactly once (the store
 * moves it from the backlog to the active items in one change). When nothing is claimable,
 * waiting items whose dependencies completed are promoted and it looks once more.
 * Throws NOTHING_CLAIMABLE (details.next_retry_at: the earliest retry delay that ends, if any).
 */
export async function claimNext(ctx: OpContext, input: ClaimNextInput = {}): Promise<WorkItem> {
  const filter = validateFilter(input);
  const lease = validateLease(input.leaseSeconds ?? ctx.config.leaseTtlSeconds);
  await maybeReap(ctx);
  let promoted = false;
  for (;;) {
    const outcome = await ctx.store.claimNext(filter, (item, nowMs) => ({ ...item, ...claimFields(ctx.config, ctx.agentId, item.fencing_token, lease, nowMs), ...declaredReservations(item, nowMs) }));
    if (outcome.item) {
      noteItem(ctx, outcome.item.work_item_id);
      return outcome.item;
    }
    if (!promoted && (await unlessDamaged('claim-next (promoting waiting items)', () => promoteWaiting(ctx), 0)) > 0) {
      promoted = true;
      continue;
    }
    const next = outcome.nextRetryMs;
    throw new SwarmError('NOTHING_CLAIMABLE', `no backlog item can be claimed now${describe(filter)}${next ? `; the next retry delay ends at ${new Date(next).toISOString()}` : ''}`, {
      next_retry_at: next ? new Date(next).toISOString() : null,
    });
  }
}

function describe(filter: ClaimFilter): string {
  const parts = [filter.workType ? `type ${filter.workType}` : '', filter.team ? `team ${filter.team}` : ''].filter(Boolean);
  return parts.length ? ` (matching ${parts.join(', ')})` : '';
}
