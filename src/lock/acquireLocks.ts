/**
 * The only importer of proper-lockfile. A lock is `<file>.lock` (a directory made with mkdir, so
 * acquisition is atomic across processes); its mtime is refreshed while held, and a lock left by a
 * SIGKILLed holder becomes stale after `staleMs` and is taken over.
 *
 * Retries are our own loop (not proper-lockfile's) so that wait time and retry counts can be
 * reported to telemetry, and FLOCK_TIMEOUT bounds the total wait.
 */
import lockfile from 'proper-lockfile';
import { SwarmError, ioError } from '../errors.js';
import type { LockConfig } from '../config.js';
import { backoffDelay } from './backoffDelay.js';

export interface HeldLock {
  readonly path: string;
  /** Set (never thrown) when proper-lockfile reports that the lock was lost while held. */
  compromised: Error | null;
  release(): Promise<void>;
}

/** Accumulated over every lock one operation takes; reported as span attributes. */
export interface LockStats {
  waitMs: number;
  retries: number;
}

export function newLockStats(): LockStats {
  return { waitMs: 0, retries: 0 };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function acquireLock(path: string, cfg: LockConfig, stats: LockStats): Promise<HeldLock> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    const held: { compromised: Error | null } = { compromised: null };
    try {
      const release = await lockfile.lock(path, {
        realpath: false, // the data file may not exist yet
        stale: cfg.staleMs,
        retries: 0,
        onCompromised: (err: Error) => {
          // proper-lockfile's default throws from a timer; we record it and refuse to commit.
          held.compromised = err;
        },
      });
      stats.waitMs += performance.now() - started;
      let released = false;
      return {
        path,
        get compromised() {
          return held.compromised;
        },
        set compromised(v: Error | null) {
          held.compromised = v;
        },
        async release() {
          if (released) return;
          released = true;
          // A compromised lock is no longer ours to remove; releasing it would fail anyway.
          if (held.compromised) return;
          await release().catch(() => undefined);
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') throw ioError(err, 'locking', path);
      const elapsed = performance.now() - started;
      if (attempt >= cfg.retries || elapsed >= cfg.timeoutMs) {
        stats.waitMs += elapsed;
        throw new SwarmError(
          'LOCK_TIMEOUT',
          `could not lock ${path} after ${attempt + 1} attempts in ${Math.round(elapsed)} ms (FLOCK_TIMEOUT=${cfg.timeoutMs / 1000}s, FLOCK_RETRIES=${cfg.retries})`,
          { path, attempts: attempt + 1, waitedMs: Math.round(elapsed) },
        );
      }
      stats.retries++;
      await sleep(Math.min(backoffDelay(attempt, cfg.backoffMs, cfg.backoffMaxMs), Math.max(1, cfg.timeoutMs - elapsed)));
    }
  }
}

/** Releases in reverse order of acquisition, each exactly once; never throws. */
export async function releaseLocks(locks: readonly HeldLock[]): Promise<void> {
  for (let i = locks.length - 1; i >= 0; i--) await locks[i]!.release();
}

/**
 * Takes several locks in one global order (sorted paths), so that two operations needing
 * overlapping sets can never deadlock. On failure, what was taken is released.
 */
export async function acquireLocks(paths: readonly string[], cfg: LockConfig, stats: LockStats): Promise<HeldLock[]> {
  const ordered = [...new Set(paths)].sort();
  const held: HeldLock[] = [];
  try {
    for (const p of ordered) held.push(await acquireLock(p, cfg, stats));
    return held;
  } catch (err) {
    await releaseLocks(held);
    throw err;
  }
}
