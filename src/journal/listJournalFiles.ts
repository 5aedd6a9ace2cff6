import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEGMENT_RE, type JournalPaths } from './journalPaths.js';

export interface JournalFile {
  /** Segment name without `.gz`, or `current.wal` for the live WAL. */
  name: string;
  path: string;
  compressed: boolean;
  /** Bytes on disk. */
  size: number;
  mtimeMs: number;
  /** The WAL inode the file was rotated from (segments), or its own inode (live WAL). */
  ino: string;
  live: boolean;
}

/**
 * Every journal file in write order: segments by rotation time, then the live WAL. When a crash
 * left both `seg.wal` and `seg.wal.gz`, only the uncompressed one (a superset) is listed.
 */
export function listJournalFiles(paths: JournalPaths): JournalFile[] {
  let names: string[] = [];
  try {
    names = readdirSync(paths.segments);
  } catch {
    /* no segments yet */
  }
  const byName = new Map<string, JournalFile>();
  for (const n of names.sort()) {
    const m = SEGMENT_RE.exec(n);
    if (!m) continue;
    const base = n.replace(/\.gz$/, '');
    const compressed = !!m[3];
    if (compressed && byName.has(base)) continue;
    try {
      const st = lstatSync(join(paths.segments, n));
      if (!st.isFile()) continue; // a symlink (or anything else) planted here is not a segment
      byName.set(base, { name: base, path: join(paths.segments, n), compressed, size: st.size, mtimeMs: st.mtimeMs, ino: m[2]!, live: false });
    } catch {
      /* removed meanwhile */
    }
  }
  const files = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  try {
    const st = lstatSync(paths.wal);
    if (!st.isFile()) return files;
    files.push({ name: 'current.wal', path: paths.wal, compressed: false, size: st.size, mtimeMs: st.mtimeMs, ino: String(st.ino), live: true });
  } catch {
    /* no WAL yet */
  }
  return files;
}
