import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validateWorkId } from '../model/validate.js';
import { withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';

/** Revives a dead item: back to the backlog, claimable now, attempt count reset (failures kept). */
export async function requeueWork(ctx: OpContext, workId: string): Promise<WorkItem> {
  const id = validateWorkId(workId);
  noteItem(ctx, id);
  const outcome = await ctx.store.move(id, ['dead'], (item, nowMs) => ({
    to: 'backlog',
    event: 'requeued',
    item: { ...item, status: 'pending', attempts: 0, retry_at: null, last_update: isoSeconds(nowMs), events: withEvent(item, 'requeue', ctx.agentId, nowMs) },
  }));
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'requeue', 'dead');
  return outcome.item;
}
