/**
 * File layout under TELEMETRY_DIR:
 *   wal/current.wal               the live WAL every process appends to (O_APPEND)
 *   wal/synced                    mtime = last fsync of the WAL by any process (interval policy)
 *   segments/seg-<ms>-<ino>.wal   rotated WAL files, named by rotation time and inode
 *   segments/seg-<ms>-<ino>.wal.gz  the same, compressed
 *   dropped.jsonl                 one line per segment removed by retention or the disk budget
 *   maintenance.stamp             mtime = last routine maintenance
 *   ship-cursor.json              what `telemetry ship` already sent
 *   *.lock/                       mkdir locks (rotate, maintenance, ship)
 */
import { join } from 'node:path';

export interface JournalPaths {
  root: string;
  walDir: string;
  wal: string;
  syncMarker: string;
  segments: string;
  dropped: string;
  stamp: string;
  cursor: string;
  rotateLock: string;
  maintenanceLock: string;
  shipLock: string;
}

export function journalPaths(root: string): JournalPaths {
  return {
    root,
    walDir: join(root, 'wal'),
    wal: join(root, 'wal', 'current.wal'),
    syncMarker: join(root, 'wal', 'synced'),
    segments: join(root, 'segments'),
    dropped: join(root, 'dropped.jsonl'),
    stamp: join(root, 'maintenance.stamp'),
    cursor: join(root, 'ship-cursor.json'),
    rotateLock: join(root, 'rotate.lock'),
    maintenanceLock: join(root, 'maintenance.lock'),
    shipLock: join(root, 'ship.lock'),
  };
}

export const SEGMENT_RE = /^seg-(\d{13})-(\d+)\.wal(\.gz)?$/;

export function segmentName(ms: number, ino: number | bigint): string {
  return `seg-${String(ms).padStart(13, '0')}-${ino}.wal`;
}
