import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validatePercent, validateProgressStatus, validateWorkId } from '../model/validate.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { renewedLease, withEvent } from './claimFields.js';
import { noteItem, type OpContext } from './OpContext.js';
import { missingItemError } from './missingItemError.js';

/**
 * Records progress on a claimed item (SwarmSH's `progress <id> <percent> [status]`) and renews its
 * lease. With `percent` undefined it is a bare heartbeat: only the lease is renewed.
 */
export async function progressWork(ctx: OpContext, workId: string, percent: number | undefined, status: string | undefined, proof: OwnerProof = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const heartbeat = percent === undefined;
  const pct = heartbeat ? undefined : validatePercent(percent);
  const st = heartbeat ? undefined : validateProgressStatus(status ?? 'in_progress');
  const action = heartbeat ? 'heartbeat' : 'progress';
  noteItem(ctx, id);
  const outcome = await ctx.store.move(
    id,
    ['active'],
    (item, nowMs) => {
      const forced = checkOwner(item, ctx, action, proof);
      const updated: WorkItem = {
        ...item,
        ...(pct === undefined ? {} : { progress: pct, status: st! }),
        last_update: isoSeconds(nowMs),
        ...renewedLease(item, nowMs),
        ...(forced ? { events: withEvent(item, action, ctx.agentId, nowMs, { forced }) } : {}),
      };
      return { to: 'active', item: updated, event: 'progressed' };
    },
    { inPlace: true },
  );
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, action, 'claimed', ctx.agentId);
  return outcome.item;
}
