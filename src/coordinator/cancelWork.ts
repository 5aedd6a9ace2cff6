import { listSegments } from '../backlog/listSegments.js';
import { segmentChange } from '../backlog/segmentChange.js';
import { SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateWorkId } from '../model/validate.js';
import { WAITING_FILE } from '../store/storeFiles.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { withEvent } from './claimFields.js';
import { findItem } from './findItem.js';
import { missingItemError } from './missingItemError.js';
import type { OpContext } from './OpContext.js';
import { readItems, readWaiting, workFiles } from './storeShapes.js';

/**
 * Withdraws an item: queued, waiting or dead ones by anyone; a claimed one by its owner or with
 * --force. It leaves with status `cancelled` in its shard's finished log (`list --status
 * cancelled`). Refused while other items wait on it, since they could then never run.
 */
export async function cancelWork(ctx: OpContext, workId: string, opts: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = opts.reason === undefined ? undefined : validateText('reason', opts.reason);
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  for (;;) {
    const found = await findItem(ctx.store, id);
    if (!found) throw new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
    if (found.place === 'finished' || found.place === 'archived') throw await missingItemError(ctx.store, id, 'cancel', 'queued, waiting, claimed or dead');
    const waitingOnIt = (await readWaiting(ctx.store)).filter((w) => w.depends_on?.includes(id)).map((w) => w.work_item_id);
    if (waitingOnIt.length) {
      throw new SwarmError('WRONG_STATE', `cannot cancel ${id}: ${waitingOnIt.join(', ')} depend on it; cancel those first`, { work_item_id: id, dependents: waitingOnIt });
    }
    const source = found.file;
    const segs = found.place === 'backlog' ? await listSegments(ctx.store) : [];
    const seg = segs.find((s) => s.file === source);
    if (found.place === 'backlog' && !seg) continue; // its segment went away meanwhile
    // The waiting list is locked too, so no `add --depends-on` can start depending on us meanwhile.
    const done = await ctx.store.transact([source, files.completedFile, WAITING_FILE], ctx.lockStats, async (view) => {
      const items = await readItems(view, source);
      const item = items.find((w) => w.work_item_id === id);
      if (!item) return { result: null }; // moved meanwhile: look again
      if ((await readWaiting(view)).some((w) => w.depends_on?.includes(id))) return { result: null };
      const forced = found.place === 'active' ? checkOwner(item, ctx, 'cancel', opts) : false;
      const now = isoSeconds(ctx.config.clock());
      const cancelled: WorkItem = {
        ...item,
        status: 'cancelled',
        last_update: now,
        completed_at: now,
        lease_expires_at: null,
        events: withEvent(item, 'cancel', ctx.agentId, ctx.config.clock(), { forced, reason }),
      };
      const rest = items.filter((w) => w !== item);
      const change = seg ? segmentChange(seg, rest, segs) : { writes: [[source, rest]] as [string, unknown][], deletes: [] };
      return {
        writes: new Map<string, unknown>(change.writes),
        deletes: change.deletes,
        appends: new Map([[files.completedFile, JSON.stringify(cancelled) + '\n']]),
        result: cancelled,
      };
    });
    if (done) return done;
  }
}
