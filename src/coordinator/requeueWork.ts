import { SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validateWorkId } from '../model/validate.js';
import { DEAD_FILE } from '../store/storeFiles.js';
import { withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { moveToBacklog } from './moveToBacklog.js';
import type { OpContext } from './OpContext.js';

/** Revives a dead item: back to the backlog, claimable now, attempt count reset (failures kept). */
export async function requeueWork(ctx: OpContext, workId: string): Promise<WorkItem> {
  const id = validateWorkId(workId);
  ctx.span.setAttribute('work.id', id);
  const moved = await moveToBacklog(
    ctx,
    DEAD_FILE,
    id,
    (item) => ({ ...item, status: 'pending', attempts: 0, retry_at: null, last_update: isoSeconds(ctx.config.clock()), events: withEvent(item, 'requeue', ctx.agentId, ctx.config.clock()) }),
    () => missingItemError(ctx.store, id, 'requeue', 'dead'),
  );
  if (!moved) throw new SwarmError('INTERNAL', `requeue of ${id} changed nothing`);
  return moved;
}
