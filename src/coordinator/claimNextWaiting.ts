import { basename } from 'node:path';
import { isSwarmError, SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { parseSegment } from '../store/storeFiles.js';
import { claimNext, type ClaimNextInput } from './claimNext.js';
import type { OpContext } from './OpContext.js';
import { readShard } from './storeShapes.js';

/** Dead processes make no file events, so a blocked claim-next also looks again this often, ms. */
export const LIVENESS_RECHECK_MS = 5000;
/**
 * chokidar passes on at most one change event per file per 50 ms and drops the rest, so a look
 * prompted by an event is followed by one more this long after it, catching a change it dropped.
 */
export const EVENT_SETTLE_MS = 80;

/**
 * claim-next that blocks up to `waitSeconds` for something claimable. It sleeps until a backlog
 * segment changes (chokidar, i.e. inotify on Linux), a retry delay or a lease ends, or the
 * liveness recheck is due, then tries again: no busy loop. Throws NOTHING_CLAIMABLE at the deadline.
 */
export async function claimNextWaiting(ctx: OpContext, input: ClaimNextInput, waitSeconds: number): Promise<WorkItem> {
  const deadline = Date.now() + waitSeconds * 1000;
  // The common case has work ready: no watcher needed (loading chokidar costs start-up time).
  try {
    return await claimNext(ctx, input);
  } catch (err) {
    if (!isSwarmError(err, 'NOTHING_CLAIMABLE')) throw err;
  }
  const { watch } = await import('chokidar');
  let dirty = false;
  let lastEventAt = 0;
  let wake: (() => void) | undefined;
  const watcher = watch(ctx.store.dir, {
    depth: 0,
    ignoreInitial: true,
    ignored: (path: string) => path !== ctx.store.dir && parseSegment(basename(path)) === null,
  });
  watcher.on('all', () => {
    dirty = true;
    lastEventAt = Date.now();
    wake?.();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', resolve);
      watcher.once('error', reject);
    });
    // The first pass after 'ready' catches anything added before the watcher saw it.
    for (;;) {
      dirty = false;
      let lastError: SwarmError;
      try {
        return await claimNext(ctx, input);
      } catch (err) {
        if (!isSwarmError(err, 'NOTHING_CLAIMABLE')) throw err;
        lastError = err;
      }
      const now = Date.now();
      if (now >= deadline) throw lastError;
      if (dirty) continue; // something changed while we were looking
      const nextRetry = lastError.details?.next_retry_at ? Date.parse(String(lastError.details.next_retry_at)) : Number.POSITIVE_INFINITY;
      const settle = lastEventAt && now - lastEventAt < EVENT_SETTLE_MS * 2 ? lastEventAt + EVENT_SETTLE_MS : Number.POSITIVE_INFINITY;
      if (settle !== Number.POSITIVE_INFINITY) lastEventAt = 0; // one extra look per burst
      const wakeAt = Math.min(deadline, nextRetry, settle, await earliestLeaseEnd(ctx), now + LIVENESS_RECHECK_MS);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(10, wakeAt - now));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    await watcher.close();
  }
}

async function earliestLeaseEnd(ctx: OpContext): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ctx.store.shards; i++) {
    for (const w of await readShard(ctx.store, i)) {
      const t = w.lease_expires_at ? Date.parse(w.lease_expires_at) : Number.NaN;
      if (t < min) min = t;
    }
  }
  // Reclaiming needs the reap throttle to have passed as well.
  return min + ctx.config.reapIntervalMs;
}
