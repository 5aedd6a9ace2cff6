import { isSwarmError, SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { claimNext, type ClaimNextInput } from './claimNext.js';
import type { OpContext } from './OpContext.js';
import { monotonicMs } from '../model/clock.js';

/** Dead processes make no file events, so a blocked claim-next also looks again this often, ms. */
export const LIVENESS_RECHECK_MS = 5000;
/**
 * chokidar passes on at most one change event per file per 50 ms and drops the rest, so a look
 * prompted by an event is followed by one more this long after it, catching a change it dropped.
 */
export const EVENT_SETTLE_MS = 80;
/** The shortest sleep between two looks that found nothing; doubles while looks keep coming up empty. */
const MIN_WAIT_MS = 10;

/**
 * claim-next that blocks up to `waitSeconds` for something claimable. It sleeps until the backlog
 * changes (WorkStore.watchQueue: inotify on files), a retry delay or a lease ends, or the
 * liveness recheck is due, then tries again: no busy loop. Throws NOTHING_CLAIMABLE at the deadline.
 */
export async function claimNextWaiting(ctx: OpContext, input: ClaimNextInput, waitSeconds: number): Promise<WorkItem> {
  // Waiting time is measured on the monotonic clock: a wall clock stepped either way neither
  // ends the wait early nor stretches it.
  const deadline = monotonicMs() + waitSeconds * 1000;
  // The common case has work ready: no watcher needed (setting one up costs start-up time).
  try {
    return await claimNext(ctx, input);
  } catch (err) {
    if (!isSwarmError(err, 'NOTHING_CLAIMABLE')) throw err;
  }
  const watchFrom = monotonicMs();
  let dirty = false;
  let lastEventAt = 0;
  let wake: (() => void) | undefined;
  const watcher = await ctx.store.watchQueue(() => {
    dirty = true;
    lastEventAt = monotonicMs();
    wake?.();
  });
  try {
    ctx.waitMs += monotonicMs() - watchFrom; // setting up to wait is waiting too
    // The first pass after 'ready' catches anything added before the watcher saw it.
    let idle = 0;
    for (;;) {
      dirty = false;
      let lastError: SwarmError;
      try {
        return await claimNext(ctx, input);
      } catch (err) {
        if (!isSwarmError(err, 'NOTHING_CLAIMABLE')) throw err;
        lastError = err;
      }
      const now = monotonicMs();
      if (now >= deadline) throw lastError;
      if (dirty) continue; // something changed while we were looking
      // Stored times (retry delays, leases) are wall-clock: turned into a delay from now.
      const wall = ctx.config.clock();
      const nextRetry = lastError.details?.next_retry_at ? Date.parse(String(lastError.details.next_retry_at)) - wall : Number.POSITIVE_INFINITY;
      const settle = lastEventAt && now - lastEventAt < EVENT_SETTLE_MS * 2 ? lastEventAt + EVENT_SETTLE_MS - now : Number.POSITIVE_INFINITY;
      if (settle !== Number.POSITIVE_INFINITY) lastEventAt = 0; // one extra look per burst
      const due = Math.min(deadline - now, nextRetry, settle, (await earliestLeaseEnd(ctx)) - wall, LIVENESS_RECHECK_MS);
      // Something "due" that did not make an item claimable (a lease another process has not
      // reaped yet, a retry time in the past): back off instead of spinning.
      idle = due > MIN_WAIT_MS ? 0 : idle + 1;
      const delay = Math.max(due, Math.min(LIVENESS_RECHECK_MS, MIN_WAIT_MS * 2 ** Math.min(idle, 8)));
      const slept = monotonicMs();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(delay, deadline - now));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      ctx.waitMs += monotonicMs() - slept;
    }
  } finally {
    await watcher.close();
  }
}

async function earliestLeaseEnd(ctx: OpContext): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (const w of await ctx.store.list(['active'])) {
    const t = w.lease_expires_at ? Date.parse(w.lease_expires_at) : Number.NaN;
    if (t < min) min = t;
  }
  // Reclaiming needs the reap throttle to have passed as well.
  return min + ctx.config.reapIntervalMs;
}
