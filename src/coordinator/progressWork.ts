import { isoSeconds } from '../model/now.js';
import type { WorkItem } from '../model/types.js';
import { validatePercent, validateProgressStatus, validateWorkId } from '../model/validate.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { renewedLease, withEvent } from './claimFields.js';
import type { OpContext } from './OpContext.js';
import { missingItemError } from './missingItemError.js';
import { readShard, workFiles } from './storeShapes.js';

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
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  ctx.span.setAttribute('store.shard', files.shard);
  return ctx.store.transact([files.shardFile], ctx.lockStats, async (view) => {
    const items = await readShard(view, files.shard);
    const idx = items.findIndex((w) => w.work_item_id === id);
    if (idx < 0) throw await missingItemError(ctx.store, id, action, 'claimed', ctx.agentId);
    const item = items[idx]!;
    const forced = checkOwner(item, ctx, action, proof);
    const nowMs = ctx.config.clock();
    const updated: WorkItem = {
      ...item,
      ...(pct === undefined ? {} : { progress: pct, status: st! }),
      last_update: isoSeconds(nowMs),
      ...renewedLease(item, nowMs),
      ...(forced ? { events: withEvent(item, action, ctx.agentId, ctx.config.clock(), { forced }) } : {}),
    };
    const next = items.slice();
    next[idx] = updated;
    return { writes: new Map([[files.shardFile, next]]), result: updated };
  });
}
