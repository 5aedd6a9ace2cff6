/**
 * A non-blocking lock for rare journal work (rotation, maintenance, ship), where a busy lock means
 * "someone else is doing it" and the caller simply skips. The same lock algorithm as the store's
 * (src/lock/acquireLocks.ts): a dead holder's lock is taken over at once, a live one is never taken.
 */
import { tryLockDir, type HeldDirLock } from '../lock/acquireLocks.js';

export type DirLock = HeldDirLock;

/** The lock at `path` (a directory), or null when a live holder has it or it cannot be made. */
export function tryDirLock(path: string, staleMs: number): DirLock | null {
  try {
    return tryLockDir(path, staleMs);
  } catch {
    return null; // journal work is best effort: a planted file or a read-only dir means skip
  }
}
