/**
 * Appends one framed record to the WAL. Many processes do this at once: the file is opened with
 * O_APPEND and each record is written with one write(2), so records never interleave. Throws on
 * I/O failure (the tracer catches: telemetry never fails an operation).
 */
import { closeSync, fdatasyncSync, fstatSync, statSync, writeSync } from 'node:fs';
import { mkdirs } from '../mkdirs.js';
import { openAppendNoFollow, touchNoFollow } from './noFollow.js';
import type { JournalOptions } from './JournalOptions.js';
import type { JournalPaths } from './journalPaths.js';
import { rotateWal } from './rotateWal.js';

export interface AppendResult {
  /** This append rotated the WAL (maintenance is due). */
  rotated: boolean;
  /** The WAL was fsynced after this record. */
  synced: boolean;
}

function openWal(paths: JournalPaths): number {
  try {
    return openAppendNoFollow(paths.wal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirs(paths.walDir);
    return openAppendNoFollow(paths.wal);
  }
}

/** Decides, across processes, whether this append pays an fsync (WAL_SYNC_INTERVAL). */
function syncDue(paths: JournalPaths, intervalMs: number): boolean {
  if (intervalMs === 0) return true;
  if (intervalMs < 0) return false;
  try {
    return Date.now() - statSync(paths.syncMarker).mtimeMs >= intervalMs;
  } catch {
    return true;
  }
}

function markSynced(paths: JournalPaths): void {
  touchNoFollow(paths.syncMarker);
}

export function appendRecord(paths: JournalPaths, opts: Pick<JournalOptions, 'syncIntervalMs' | 'rotationBytes'>, frame: Buffer): AppendResult {
  for (let attempt = 0; ; attempt++) {
    const fd = openWal(paths);
    let size: number;
    let synced = false;
    try {
      const n = writeSync(fd, frame);
      // A short write leaves a torn frame that readers skip; the record is written again whole.
      if (n !== frame.length && attempt < 2) continue;
      if (syncDue(paths, opts.syncIntervalMs)) {
        fdatasyncSync(fd); // flushes every writer's records in this file, not just ours
        synced = true;
        if (opts.syncIntervalMs > 0) markSynced(paths);
      }
      const st = fstatSync(fd);
      // The file was unlinked (a segment compressed) between our open and write: the record may
      // be gone with it, so write it again into the live WAL.
      if (st.nlink === 0 && attempt < 2) continue;
      size = st.size;
    } finally {
      closeSync(fd);
    }
    const rotated = size >= opts.rotationBytes ? rotateWal(paths, opts.rotationBytes) : false;
    return { rotated, synced };
  }
}
