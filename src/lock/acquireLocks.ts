/**
 * The one lock algorithm of the program, for the store and the journal alike. A lock on `<file>`
 * is the directory `<file>.lock` (see lockDir.ts for its layout), created atomically together with
 * the holder's exact identity (lockOwner.ts).
 *
 * The rule that makes it safe: a lock is only ever removed by its holder, or after its holder is
 * certainly dead. A waiter never takes a lock from a process that can still run:
 *   - a dead holder (SIGKILLed, crashed, rebooted away) is recognised at once from its pid, start
 *     time and boot id, and its entry removed by exact token;
 *   - a live holder keeps its lock however slow it is (CPU starvation, a slow disk), refreshing its
 *     entry's mtime while it holds it;
 *   - a live holder that has shown no sign of life for LOCK_STALE_MS (stopped by SIGSTOP or a
 *     debugger, hung in a syscall) is, with LOCK_HUNG_ACTION=kill (the default), sent SIGKILL by a
 *     waiter on the same host and taken over once it is gone; with `wait`, it keeps the lock and
 *     waiters time out (LOCK_TIMEOUT) until it resumes. Either way it can never resume and write
 *     under a lock someone else now holds.
 * "No sign of life" is measured on the waiter's own monotonic clock (the entry's token and mtime
 * unchanged while it watched), so a wall clock stepped forward or back neither condemns a live
 * holder nor protects a hung one forever.
 */
import { SwarmError, ioError } from '../errors.js';
import type { LockConfig } from '../config.js';
import { monotonicMs } from '../model/clock.js';
import { onPulse } from '../pulse.js';
import { reportWarning } from '../warnings.js';
import { backoffDelay } from './backoffDelay.js';
import { entryPresent, readOwners, removeEntry, removeIfEmpty, touchEntry, tryCreate, type OwnerEntry } from './lockDir.js';
import { judgeOwner, newOwner, parseOwner } from './lockOwner.js';

export interface HeldLock {
  /** The locked file (its lock directory is `${path}.lock`). */
  readonly path: string;
  /** True while our entry is still in the lock: checked before every commit. */
  stillHeld(): boolean;
  /** Removes our entry and the lock directory; never throws, safe to call twice. */
  release(): Promise<void>;
}

/** Accumulated over every lock one operation takes; reported as span attributes. */
export interface LockStats {
  waitMs: number;
  retries: number;
  /** Locks taken from dead holders. */
  takeovers: number;
  /** Hung holders this process sent SIGKILL. */
  kills: number;
}

export function newLockStats(): LockStats {
  return { waitMs: 0, retries: 0, takeovers: 0, kills: 0 };
}

type HungAction = LockConfig['hungAction'];

/** Tokens of hung holders this process has sent SIGKILL (warned about once). */
const killed = new Set<string>();

/** What this process has watched of other holders' entries: key -> (mtime seen, since when). */
const watched = new Map<string, { mtimeMs: number; since: number }>();

/** How long this waiter has seen `entry` without a sign of life, on its own monotonic clock. */
function silentFor(lockDir: string, entry: OwnerEntry, now: number): number {
  const key = `${lockDir}/${entry.name}`;
  const seen = watched.get(key);
  if (!seen || seen.mtimeMs !== entry.mtimeMs) {
    if (watched.size > 1000) watched.clear();
    watched.set(key, { mtimeMs: entry.mtimeMs, since: now });
    return 0;
  }
  return now - seen.since;
}

/**
 * Silent long enough to be called hung: watched for half the stale limit while its last refresh
 * is already older than the limit by the wall clock, or watched for the whole limit (a wall clock
 * stepped back makes the entry look new; one stepped forward makes it look old, but half the limit
 * of our own watching is still three refresh periods without a refresh).
 */
function isHung(silentMs: number, entry: OwnerEntry, staleMs: number): boolean {
  if (silentMs >= staleMs) return true;
  return silentMs >= staleMs / 2 && Date.now() - entry.mtimeMs >= staleMs;
}

interface Verdict {
  /** Try to acquire again at once. */
  retryNow: boolean;
  /** For the timeout message. */
  holder: string;
}

/**
 * Looks at a busy lock and removes its holder's entry when that is safe. Never removes an entry of
 * a process that can still run.
 */
function judgeBusyLock(lockDir: string, staleMs: number, hungAction: HungAction, stats: LockStats, waiting: boolean): Verdict {
  const entries = readOwners(lockDir);
  if (entries === null || entries.length === 0) return { retryNow: true, holder: 'nobody (released meanwhile)' };
  const now = monotonicMs();
  let retryNow = false;
  const holders: string[] = [];
  for (const entry of entries) {
    const owner = parseOwner(entry.content);
    const state = judgeOwner(owner);
    const who = owner ? `pid ${owner.pid} on ${owner.host}` : 'an unreadable owner record';
    if (state === 'dead') {
      if (removeEntry(lockDir, entry.name)) stats.takeovers++;
      removeIfEmpty(lockDir);
      retryNow = true;
      continue;
    }
    const silent = waiting ? silentFor(lockDir, entry, now) : 0;
    const hung = isHung(silent, entry, staleMs);
    if (hung && owner === null) {
      // No live holder writes an unreadable record (it is complete before the lock exists); this is
      // damage, e.g. from a power loss. Its silence is the only evidence, and it is enough.
      removeEntry(lockDir, entry.name);
      removeIfEmpty(lockDir);
      retryNow = true;
      continue;
    }
    if (hung && state === 'alive' && owner && owner.pid !== process.pid && hungAction === 'kill') {
      try {
        process.kill(owner.pid, 'SIGKILL');
        if (killed.has(owner.token)) {
          holders.push(`${who}, hung, killed, not yet gone`);
          continue;
        }
        killed.add(owner.token);
        stats.kills++;
        reportWarning('SwarmfileLockWarning', `killed pid ${owner.pid}: it held ${lockDir} with no sign of life for ${Math.round(silent)} ms (LOCK_STALE_MS=${staleMs}, LOCK_HUNG_ACTION=kill)`);
        holders.push(`${who}, hung, sent SIGKILL`);
      } catch (err) {
        holders.push(`${who}, hung, cannot be killed (${(err as NodeJS.ErrnoException).code})`);
      }
      continue;
    }
    holders.push(`${who}${hung ? ', hung' : state === 'alive' ? ', alive' : ', on another host'}`);
  }
  return { retryNow, holder: holders.join('; ') || 'nobody' };
}

function notALock(lockDir: string): SwarmError {
  return new SwarmError('IO_ERROR', `${lockDir} is not a lock directory (a file or symlink stands in its place); move it aside`, { path: lockDir });
}

/** Holds `lockDir` from now on: refreshes our entry while held, removes it exactly once on release. */
function holdLock(path: string, lockDir: string, token: string, staleMs: number): HeldLock {
  // Every sixth of the stale limit, so a waiter needs at least three missed refreshes to act:
  // from a timer, and from the file calls of a process whose timers cannot run (see pulse.ts).
  const every = Math.max(250, Math.floor(staleMs / 6));
  let touched = Date.now();
  const refresh = () => {
    const now = Date.now();
    if (now - touched < every && now >= touched) return;
    touched = now;
    touchEntry(lockDir, token);
  };
  const timer = setInterval(refresh, every);
  timer.unref();
  const offPulse = onPulse(refresh);
  let released = false;
  return {
    path,
    stillHeld: () => !released && entryPresent(lockDir, token),
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      offPulse();
      try {
        // Only our own entry, by its unique name: if it is gone, the lock is someone else's now.
        if (removeEntry(lockDir, `owner.${token}`)) removeIfEmpty(lockDir);
      } catch {
        /* never throws: a leftover entry of a dead process is removed by the next waiter */
      }
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function acquireLock(path: string, cfg: LockConfig, stats: LockStats): Promise<HeldLock> {
  return (await takeLock(path, cfg, stats, true))!;
}

/**
 * The lock if it can be had without waiting (free, or its holder dead), else null. Taking locks
 * this way in any order cannot deadlock: nobody waits while holding one (claim-next passing over
 * a busy shard, as SKIP LOCKED does).
 */
export function tryAcquireLock(path: string, cfg: LockConfig, stats: LockStats): Promise<HeldLock | null> {
  return takeLock(path, cfg, stats, false);
}

async function takeLock(path: string, cfg: LockConfig, stats: LockStats, wait: boolean): Promise<HeldLock | null> {
  const started = monotonicMs();
  const lockDir = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    const owner = newOwner();
    let result;
    try {
      result = tryCreate(lockDir, owner.token, JSON.stringify(owner));
    } catch (err) {
      throw ioError(err, 'locking', path);
    }
    if (result === 'held') {
      stats.waitMs += monotonicMs() - started;
      return holdLock(path, lockDir, owner.token, cfg.staleMs);
    }
    if (result === 'not-a-lock') throw notALock(lockDir);
    let verdict: Verdict;
    try {
      verdict = judgeBusyLock(lockDir, cfg.staleMs, wait ? cfg.hungAction : 'wait', stats, wait);
    } catch (err) {
      throw ioError(err, 'inspecting lock', lockDir);
    }
    if (verdict.retryNow && (wait || attempt < 3)) continue;
    if (!wait) return null;
    const elapsed = monotonicMs() - started;
    if (attempt >= cfg.retries || elapsed >= cfg.timeoutMs) {
      stats.waitMs += elapsed;
      throw new SwarmError(
        'LOCK_TIMEOUT',
        `could not lock ${path} after ${attempt + 1} attempts in ${Math.round(elapsed)} ms (FLOCK_TIMEOUT=${cfg.timeoutMs / 1000}s, FLOCK_RETRIES=${cfg.retries}); held by ${verdict.holder}`,
        { path, attempts: attempt + 1, waitedMs: Math.round(elapsed) },
      );
    }
    stats.retries++;
    await sleep(Math.min(backoffDelay(attempt, cfg.backoffMs, cfg.backoffMaxMs), Math.max(1, cfg.timeoutMs - elapsed)));
  }
}

/** A lock held without waiting (journal maintenance): `touch` refreshes it during long work. */
export interface HeldDirLock {
  release(): void;
  touch(): void;
}

/**
 * One attempt, no waiting: the lock, or null when a live (or unknown) holder has it. A dead
 * holder's lock is taken over; a hung one is left alone (the caller skips work someone else is
 * doing, and a waiter that needs it will deal with the hung holder).
 */
export function tryLockDir(lockDir: string, staleMs: number): HeldDirLock | null {
  const stats = newLockStats();
  for (let attempt = 0; attempt < 3; attempt++) {
    const owner = newOwner();
    const result = tryCreate(lockDir, owner.token, JSON.stringify(owner));
    if (result === 'held') {
      const held = holdLock(lockDir, lockDir, owner.token, staleMs);
      return { release: () => void held.release(), touch: () => touchEntry(lockDir, owner.token) };
    }
    if (result === 'not-a-lock') throw notALock(lockDir);
    if (!judgeBusyLock(lockDir, staleMs, 'wait', stats, false).retryNow) return null;
  }
  return null;
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
