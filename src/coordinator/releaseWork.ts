import { validateText, validateWorkId } from '../model/validate.js';
import type { WorkItem } from '../model/types.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { unclaimedFields, withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';

/** Gives a claim back on purpose: the item returns to the backlog at once, its attempt count unchanged. */
export async function releaseWork(ctx: OpContext, workId: string, proof: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = proof.reason === undefined ? undefined : validateText('reason', proof.reason);
  noteItem(ctx, id);
  const outcome = await ctx.store.move(id, ['active'], (item, nowMs) => {
    const forced = checkOwner(item, ctx, 'release', proof);
    return { to: 'backlog', event: 'released', item: { ...item, ...unclaimedFields(nowMs), events: withEvent(item, 'release', ctx.agentId, nowMs, { forced, reason }) } };
  });
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'release', 'claimed', ctx.agentId);
  return outcome.item;
}
