/**
 * The only importer of proper-lockfile. A lock is `<file>.lock`, a directory made with mkdir (so
 * acquisition is atomic across processes); proper-lockfile refreshes its mtime while it is held.
 *
 * Two things are ours rather than proper-lockfile's:
 * - Stale takeover. proper-lockfile removes a stale lock with stat -> rmdir -> mkdir, so two
 *   processes that both saw the same stale lock can each end up "holding" it (the second rmdir
 *   removes the first one's fresh lock). Here a takeover happens only under a second mkdir guard
 *   (`<file>.lock.takeover`), after re-checking that the lock is still the same stale directory.
 * - Freshness fence. A holder that stalls past the stale limit may have been taken over; before
 *   each write the store asks `isFresh()`, which is true only while the lock's last refresh by
 *   this process is comfortably inside the stale limit.
 *
 * - Dead-holder takeover. Waiting LOCK_STALE_MS for the lock of a SIGKILLed process stalls every
 *   other process that needs it (and a claim-next holding the backlog head while it waits stalls
 *   them all). So each holder writes `<file>.lock.owner` (pid, process start time, host, and the
 *   lock directory's inode and birth time); a waiter whose lock has been held for a while and
 *   whose recorded owner is certainly gone from this host takes it over at once, through the same
 *   guarded takeover. Inode and birth time tie the record to that very directory (inodes are
 *   reused at once; birth times are not), so an old record can never condemn a new holder.
 *
 * Retries are our own loop so wait time and retry counts reach telemetry, and FLOCK_TIMEOUT
 * bounds the total wait.
 */
import * as nodeFs from 'node:fs';
import lockfile from 'proper-lockfile';
import { SwarmError, ioError } from '../errors.js';
import * as fs from '../fsAsync.js';
import type { LockConfig } from '../config.js';
import { monotonicMs } from '../model/clock.js';
import { currentHost, processAlive, processStartTime } from '../model/processIdentity.js';
import { backoffDelay } from './backoffDelay.js';

export interface HeldLock {
  readonly path: string;
  /** Set (never thrown) when proper-lockfile reports that the lock was lost while held. */
  readonly compromised: Error | null;
  /** True while no other process can have considered this lock stale. */
  isFresh(): boolean;
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

/** proper-lockfile never judges staleness itself (we do, safely); it only refreshes. */
const NEVER_STALE_MS = 365 * 24 * 3600 * 1000;

/** Last successful mtime refresh of each lock directory by this process (Date.now()). */
const refreshedAt = new Map<string, number>();

type Callback = (err: NodeJS.ErrnoException | null, result?: unknown) => void;

/**
 * One fs call for proper-lockfile: node:fs's callback form, or in blocking mode (see fsAsync.ts)
 * the synchronous form with the callback called at once, exactly as proper-lockfile's own
 * lockSync drives the same code.
 */
function lockFsCall(name: 'mkdir' | 'stat' | 'rmdir' | 'utimes', onSuccess?: (args: unknown[]) => void) {
  const asyncFn = nodeFs[name] as (...args: unknown[]) => void;
  const syncFn = nodeFs[`${name}Sync`] as (...args: unknown[]) => unknown;
  return (...args: unknown[]) => {
    const cb = args.pop() as Callback;
    if (!fs.isBlockingIo()) {
      asyncFn(...args, (err: NodeJS.ErrnoException | null, result?: unknown) => {
        if (!err) onSuccess?.(args);
        cb(err, result);
      });
      return;
    }
    let result: unknown;
    try {
      result = syncFn(...args);
    } catch (err) {
      cb(err as NodeJS.ErrnoException);
      return;
    }
    onSuccess?.(args);
    cb(null, result);
  };
}

const method = (value: unknown) => ({ value, enumerable: true });

/**
 * proper-lockfile's `fs` injection point: observes refreshes (utimes) and follows blocking mode.
 * It inherits node:fs rather than copying it: a spread reads every lazy getter of node:fs
 * (ReadStream, promises, ...), which loads the stream modules on each CLI start for nothing
 * (~2 ms). defineProperty, not assignment: node:fs's members may be accessors that assignment
 * cannot shadow.
 */
const observedFs: typeof nodeFs = Object.create(nodeFs, {
  mkdir: method(lockFsCall('mkdir')),
  stat: method(lockFsCall('stat')),
  rmdir: method(lockFsCall('rmdir')),
  utimes: method(lockFsCall('utimes', (args) => refreshedAt.set(String(args[0]), Date.now()))),
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Who holds a lock: written by the holder right after it gets the lock, removed before release. */
interface LockOwner {
  pid: number;
  start: number | null;
  host: string;
  ino: number;
  birth: number;
}

/** A lock younger than this is not judged by its owner record (the holder may be writing it). */
const OWNER_CHECK_AFTER_MS = 200;
let selfStart: number | null | undefined;

/** Records this process as the holder of `lockDir`; false where birth times are unavailable. */
async function writeOwner(lockDir: string): Promise<boolean> {
  try {
    const st = await fs.stat(lockDir);
    if (!st.birthtimeMs) return false;
    selfStart ??= processStartTime(process.pid);
    const owner: LockOwner = { pid: process.pid, start: selfStart, host: currentHost(), ino: st.ino, birth: st.birthtimeMs };
    await fs.writeFile(`${lockDir}.owner`, JSON.stringify(owner), {});
    return true;
  } catch {
    return false; // only an optimisation: the age rule still applies
  }
}

/** True only when `seen` is the very directory the owner record describes and that process is gone. */
async function ownerIsGone(lockDir: string, seen: nodeFs.Stats): Promise<boolean> {
  if (!seen.birthtimeMs || Date.now() - seen.birthtimeMs < OWNER_CHECK_AFTER_MS) return false;
  let owner: LockOwner;
  try {
    owner = JSON.parse(await fs.readFileText(`${lockDir}.owner`)) as LockOwner;
  } catch {
    return false; // none, or half written
  }
  if (owner.ino !== seen.ino || owner.birth !== seen.birthtimeMs || owner.pid === process.pid) return false;
  return processAlive(owner.pid, owner.host, owner.start) === false;
}

/**
 * Removes `lockDir` if it is still the stale directory we saw, under the takeover guard. Returns
 * whether it is worth trying mkdir again right away.
 */
async function takeOverStale(lockDir: string, seen: nodeFs.Stats, staleMs: number): Promise<boolean> {
  const guard = `${lockDir}.takeover`;
  try {
    await fs.mkdir(guard);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    // A guard left by a process killed mid-takeover (a window of microseconds) goes stale too.
    const g = await fs.stat(guard).catch(() => null);
    if (g && g.mtimeMs < Date.now() - staleMs) await fs.rmdir(guard).catch(() => undefined);
    return false;
  }
  try {
    const now = await fs.stat(lockDir).catch(() => null);
    if (!now) return true; // released meanwhile
    if (now.ino !== seen.ino || now.mtimeMs !== seen.mtimeMs) return false; // someone else's, or refreshed
    await fs.rmdir(lockDir).catch(() => undefined);
    return true;
  } finally {
    await fs.rmdir(guard).catch(() => undefined);
  }
}

export async function acquireLock(path: string, cfg: LockConfig, stats: LockStats): Promise<HeldLock> {
  const started = monotonicMs();
  const lockDir = `${path}.lock`;
  for (let attempt = 0; ; attempt++) {
    const state: { compromised: Error | null } = { compromised: null };
    const acquiredAt = Date.now(); // the lock's mtime is set at or after this instant
    try {
      const release = await lockfile.lock(path, {
        realpath: false, // the data file may not exist yet
        stale: NEVER_STALE_MS,
        update: Math.max(1000, Math.floor(cfg.staleMs / 2)),
        retries: 0,
        fs: observedFs,
        onCompromised: (err: Error) => {
          // proper-lockfile's default throws from a timer; we record it and refuse to commit.
          state.compromised = err;
        },
      });
      stats.waitMs += monotonicMs() - started;
      refreshedAt.delete(lockDir);
      const ownerWritten = await writeOwner(lockDir);
      let released = false;
      const margin = Math.max(250, Math.floor(cfg.staleMs / 4));
      return {
        path,
        get compromised() {
          return state.compromised;
        },
        isFresh: () => !state.compromised && Date.now() < Math.max(acquiredAt, refreshedAt.get(lockDir) ?? 0) + cfg.staleMs - margin,
        async release() {
          if (released) return;
          released = true;
          refreshedAt.delete(lockDir);
          // A compromised lock is no longer ours to remove.
          if (state.compromised) return;
          if (ownerWritten) await fs.unlink(`${lockDir}.owner`).catch(() => undefined);
          await release().catch(() => undefined);
        },
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ELOCKED') throw ioError(err, 'locking', path);
      const seen = await fs.stat(lockDir).catch(() => null);
      if (!seen) continue; // released meanwhile: try mkdir again at once
      const abandoned = seen.mtimeMs < Date.now() - cfg.staleMs || (await ownerIsGone(lockDir, seen));
      if (abandoned && (await takeOverStale(lockDir, seen, cfg.staleMs))) continue; // taken over
      const elapsed = monotonicMs() - started;
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
