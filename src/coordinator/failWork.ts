import { isoMs, isoSeconds } from '../model/now.js';
import { retryDelay } from '../model/retryDelay.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateWorkId } from '../model/validate.js';
import { DEAD_FILE } from '../store/storeFiles.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { MAX_EVENTS, unclaimedFields, withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { moveToBacklog } from './moveToBacklog.js';
import type { OpContext } from './OpContext.js';
import { readDead, readShard, workFiles } from './storeShapes.js';

/**
 * The owner reports that an attempt failed. The attempt count goes up; below MAX_RETRY_ATTEMPTS
 * the item returns to the backlog, claimable again after `retry_at` (exponential backoff with
 * jitter); at the limit it moves to the dead-letter list (`list --status dead`, `requeue`).
 */
export async function failWork(ctx: OpContext, workId: string, reasonText: string | undefined, proof: OwnerProof = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = validateText('reason', reasonText ?? 'failed');
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  const failed = (item: WorkItem): WorkItem => {
    const forced = checkOwner(item, ctx, 'fail', proof);
    const attempts = (item.attempts ?? 0) + 1;
    const record = { at: isoSeconds(ctx.config.clock()), outcome: 'failed', agent_id: item.agent_id, fencing_token: item.fencing_token ?? 0, reason };
    return {
      ...item,
      ...unclaimedFields(ctx.config.clock()),
      attempts,
      failures: [...(item.failures ?? []), record].slice(-MAX_EVENTS),
      ...(forced ? { events: withEvent(item, 'fail', ctx.agentId, ctx.config.clock(), { forced, reason }) } : {}),
    };
  };
  const peek = (await readShard(ctx.store, files.shard)).find((w) => w.work_item_id === id);
  if (!peek) throw await missingItemError(ctx.store, id, 'fail', 'claimed', ctx.agentId);
  if ((peek.attempts ?? 0) + 1 < ctx.config.maxRetryAttempts) {
    const delay = retryDelay((peek.attempts ?? 0) + 1, ctx.config.retryBackoffSeconds, ctx.config.retryBackoffMaxSeconds);
    const moved = await moveToBacklog(
      ctx,
      files.shardFile,
      id,
      (item) => (item.attempts === peek.attempts ? { ...failed(item), retry_at: isoMs(ctx.config.clock() + delay) } : null),
      () => missingItemError(ctx.store, id, 'fail', 'claimed', ctx.agentId),
    );
    if (moved) return moved;
    return failWork(ctx, workId, reasonText, proof); // its attempt count changed meanwhile: decide again
  }
  return ctx.store.transact([files.shardFile, DEAD_FILE], ctx.lockStats, async (view) => {
    const items = await readShard(view, files.shard);
    const item = items.find((w) => w.work_item_id === id);
    if (!item) throw await missingItemError(ctx.store, id, 'fail', 'claimed', ctx.agentId);
    const dead: WorkItem = { ...failed(item), status: 'dead' };
    const list = await readDead(view);
    return {
      writes: new Map<string, unknown>([
        [files.shardFile, items.filter((w) => w !== item)],
        [DEAD_FILE, [...list, dead]],
      ]),
      result: dead,
    };
  });
}
