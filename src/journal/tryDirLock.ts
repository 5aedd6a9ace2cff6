/**
 * A non-blocking cross-process lock: mkdir is atomic. A lock older than `staleMs` (its holder was
 * killed) is taken over. Used for rare work (rotation, maintenance, ship) where a busy lock means
 * "someone else is doing it" and the caller simply skips.
 */
import { mkdirSync, rmdirSync, statSync, utimesSync } from 'node:fs';

export interface DirLock {
  release(): void;
  /** Refreshes the lock's mtime so long work is not taken for stale. */
  touch(): void;
}

export function tryDirLock(path: string, staleMs: number): DirLock | null {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      mkdirSync(path);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            rmdirSync(path);
          } catch {
            /* taken over meanwhile */
          }
        },
        touch() {
          try {
            const now = new Date();
            utimesSync(path, now, now);
          } catch {
            /* ignore */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return null;
      try {
        if (Date.now() - statSync(path).mtimeMs < staleMs) return null;
        rmdirSync(path);
      } catch {
        return null;
      }
    }
  }
  return null;
}
