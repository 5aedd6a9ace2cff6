import { renameSync, statSync } from 'node:fs';
import { mkdirs } from '../mkdirs.js';
import { join } from 'node:path';
import { segmentName, type JournalPaths } from './journalPaths.js';
import { tryDirLock } from './tryDirLock.js';

/**
 * Renames the live WAL into segments/ once it reached `minBytes` (0: whenever not empty).
 * All renames of wal/current.wal happen under rotate.lock, so the inode stat'ed here is the one
 * renamed, and the segment name records it (ship's cursor identifies WAL files by inode).
 * A writer that opened the WAL just before the rename still lands its record in the segment:
 * nothing is lost, nothing is written twice. Returns true when it rotated.
 */
export function rotateWal(paths: JournalPaths, minBytes: number): boolean {
  const lock = tryDirLock(paths.rotateLock, 10_000);
  if (!lock) return false;
  try {
    const st = statSync(paths.wal);
    if (st.size === 0 || st.size < minBytes) return false;
    mkdirs(paths.segments);
    renameSync(paths.wal, join(paths.segments, segmentName(Date.now(), st.ino)));
    return true;
  } catch {
    return false;
  } finally {
    lock.release();
  }
}
