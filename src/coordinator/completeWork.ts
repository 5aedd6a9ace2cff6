import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateVelocity, validateWorkId } from '../model/validate.js';
import { unlessDamaged } from '../store/containDamage.js';
import { checkOwner, parseToken } from './checkOwner.js';
import { withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';

export interface CompleteInput {
  /** Free text, default `success`. */
  result?: string;
  /** Whole number 0..1000, default 5 (SwarmSH's default). */
  velocityPoints?: number;
  /** Fencing token from the claim, and --force for operators (see checkOwner). */
  token?: number;
  force?: boolean;
}

/**
 * Finishes an item in one all-or-nothing change: the item leaves the active items, its final
 * record joins the finished ones, and the claiming agent's counters (and its team's totals) are
 * updated. Only the owner (with the current fencing
 * token, when given) may complete, unless forced; the owner is credited either way. Items
 * waiting on this one are then moved to the backlog.
 */
export async function completeWork(ctx: OpContext, workId: string, input: CompleteInput = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const result = validateText('result', input.result ?? 'success');
  const points = validateVelocity(input.velocityPoints ?? 5);
  parseToken(input.token);
  noteItem(ctx, id);
  const outcome = await ctx.store.move(id, ['active'], (item, nowMs) => {
    const forced = checkOwner(item, ctx, 'complete', input);
    const now = isoSeconds(nowMs);
    const finished: WorkItem = {
      ...item,
      status: 'completed',
      progress: 100,
      last_update: now,
      completed_at: now,
      result,
      velocity_points: points,
      lease_expires_at: null,
      ...(forced ? { events: withEvent(item, 'complete', ctx.agentId, nowMs, { forced }) } : {}),
    };
    return { to: 'finished', item: finished, event: 'completed', credit: item.agent_id ?? ctx.agentId };
  });
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'complete', 'claimed', ctx.agentId);
  // An `add --depends-on` racing with us holds this item's finished record's lock while it checks,
  // so after our commit the waiting list already shows every item that depends on us.
  // The completion is committed: a damaged waiting list must not turn it into a failure.
  await unlessDamaged('complete (promoting waiting items)', async () => {
    if ((await ctx.store.list(['waiting'])).some((w) => w.depends_on?.includes(id))) await promoteWaiting(ctx);
  }, undefined);
  return outcome.item;
}
