import { validateText, validateWorkId } from '../model/validate.js';
import type { WorkItem } from '../model/types.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { unclaimedFields, withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { moveToBacklog } from './moveToBacklog.js';
import type { OpContext } from './OpContext.js';
import { workFiles } from './storeShapes.js';

/** Gives a claim back on purpose: the item returns to the backlog at once, its attempt count unchanged. */
export async function releaseWork(ctx: OpContext, workId: string, proof: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = proof.reason === undefined ? undefined : validateText('reason', proof.reason);
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  const moved = await moveToBacklog(
    ctx,
    files.shardFile,
    id,
    (item) => {
      const forced = checkOwner(item, ctx, 'release', proof);
      return { ...item, ...unclaimedFields(ctx.config.clock()), events: withEvent(item, 'release', ctx.agentId, ctx.config.clock(), { forced, reason }) };
    },
    () => missingItemError(ctx.store, id, 'release', 'claimed', ctx.agentId),
  );
  return moved!;
}
