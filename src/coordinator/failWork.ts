import { isoMs, isoSeconds } from '../model/now.js';
import { retryDelay } from '../model/retryDelay.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateWorkId } from '../model/validate.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { MAX_EVENTS, unclaimedFields, withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';

/**
 * The owner reports that an attempt failed. The attempt count goes up; below MAX_RETRY_ATTEMPTS
 * the item returns to the backlog, claimable again after `retry_at` (exponential backoff with
 * jitter); at the limit it moves to the dead-letter list (`list --status dead`, `requeue`).
 */
export async function failWork(ctx: OpContext, workId: string, reasonText: string | undefined, proof: OwnerProof = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const reason = validateText('reason', reasonText ?? 'failed');
  noteItem(ctx, id);
  // The retry delay is drawn once per attempt count, so the look before the locks and the decision under them agree.
  const delays = new Map<number, number>();
  const outcome = await ctx.store.move(id, ['active'], (item, nowMs) => {
    const forced = checkOwner(item, ctx, 'fail', proof);
    const attempts = (item.attempts ?? 0) + 1;
    const record = { at: isoSeconds(nowMs), outcome: 'failed', agent_id: item.agent_id, fencing_token: item.fencing_token ?? 0, reason };
    const failed: WorkItem = {
      ...item,
      ...unclaimedFields(nowMs),
      attempts,
      failures: [...(item.failures ?? []), record].slice(-MAX_EVENTS),
      ...(forced ? { events: withEvent(item, 'fail', ctx.agentId, nowMs, { forced, reason }) } : {}),
    };
    if (attempts >= ctx.config.maxRetryAttempts) return { to: 'dead', item: { ...failed, status: 'dead' }, event: 'dead' };
    let delay = delays.get(attempts);
    if (delay === undefined) delays.set(attempts, (delay = retryDelay(attempts, ctx.config.retryBackoffSeconds, ctx.config.retryBackoffMaxSeconds)));
    return { to: 'backlog', item: { ...failed, retry_at: isoMs(nowMs + delay) }, event: 'failed' };
  });
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'fail', 'claimed', ctx.agentId);
  return outcome.item;
}
