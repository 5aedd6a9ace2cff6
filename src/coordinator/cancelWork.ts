import { SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateWorkId } from '../model/validate.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';

/**
 * Withdraws an item: queued, waiting or dead ones by anyone; a claimed one by its owner or with
 * --force. It leaves with status `cancelled` among the finished items (`list --status
 * cancelled`). Refused while other items wait on it, since they could then never run.
 */
export async function cancelWork(ctx: OpContext, workId: string, opts: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = opts.reason === undefined ? undefined : validateText('reason', opts.reason);
  noteItem(ctx, id);
  const refuse = (dependents: readonly string[]) => {
    throw new SwarmError('WRONG_STATE', `cannot cancel ${id}: ${dependents.join(', ')} depend on it; cancel those first`, { work_item_id: id, dependents });
  };
  const early = (await ctx.store.list(['waiting'])).filter((w) => w.depends_on?.includes(id)).map((w) => w.work_item_id);
  if (early.length) refuse(early);
  // Dependents are looked for again under the waiting list's lock, so no `add --depends-on` can
  // start depending on this item while it is cancelled.
  const outcome = await ctx.store.move(
    id,
    ['backlog', 'waiting', 'dead', 'active'],
    (item, nowMs, { place, dependents }) => {
      if (dependents.length) refuse(dependents);
      const forced = place === 'active' ? checkOwner(item, ctx, 'cancel', opts) : false;
      const now = isoSeconds(nowMs);
      const cancelled: WorkItem = {
        ...item,
        status: 'cancelled',
        last_update: now,
        completed_at: now,
        lease_expires_at: null,
        events: withEvent(item, 'cancel', ctx.agentId, nowMs, { forced, reason }),
      };
      return { to: 'finished', item: cancelled, event: 'cancelled' };
    },
    { dependents: true },
  );
  if (outcome.status === 'moved') return outcome.item;
  if (!(await ctx.store.find(id))) throw new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
  throw await missingItemError(ctx.store, id, 'cancel', 'queued, waiting, claimed or dead');
}
