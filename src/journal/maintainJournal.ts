/**
 * The expensive, rare work: rotation by record count, gzip of settled segments, retention and the
 * disk budget. It runs under maintenance.lock (a busy lock means another process is doing it) and
 * only when due (see maintenanceDue), or explicitly from the `telemetry` commands.
 */
import { closeSync, fsyncSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { createExclusive, openAppendNoFollow, touchNoFollow } from './noFollow.js';
import { writeAllSync } from './writeAllSync.js';
import { decodeFrames } from './frameRecord.js';
import type { JournalOptions } from './JournalOptions.js';
import { journalPaths } from './journalPaths.js';
import { listJournalFiles, type JournalFile } from './listJournalFiles.js';
import { loadPako } from './readJournalFile.js';
import { rotateWal } from './rotateWal.js';
import { tryDirLock } from './tryDirLock.js';

export interface MaintenanceReport {
  /** Another process held the maintenance lock. */
  skipped: boolean;
  rotated: boolean;
  compressed: string[];
  /** Segments removed because of JOURNAL_RETENTION_DAYS. */
  expired: string[];
  /** Segments removed to stay within JOURNAL_MAX_MB. */
  evicted: string[];
  /** Journal bytes on disk afterwards. */
  totalBytes: number;
  /** Segments that could not be compressed (left whole, uncompressed), with the reason. */
  failed: { segment: string; error: string }[];
}

/** One line of dropped.jsonl: nothing is removed from the journal without a trace of it. */
export interface DropEntry {
  time: string;
  reason: 'retention' | 'disk_budget';
  segment: string;
  records: number;
  bytes: number;
}

/** Small slack for the bookkeeping files and appends racing a rotation. */
const SLACK_BYTES = 64 * 1024;

/** Cheap check for the hot path: two stats. Due when the interval passed or a rotation happened since. */
export function maintenanceDue(opts: JournalOptions, now = Date.now()): boolean {
  const paths = journalPaths(opts.dir);
  let stamp: number;
  try {
    stamp = statSync(paths.stamp).mtimeMs;
  } catch {
    return true;
  }
  if (now - stamp >= opts.maintenanceIntervalMs) return true;
  try {
    return statSync(paths.segments).mtimeMs > stamp;
  } catch {
    return false;
  }
}

function countLines(path: string): number {
  try {
    const buf = readFileSync(path);
    let n = 0;
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

async function countRecords(file: JournalFile): Promise<number> {
  try {
    const raw = readFileSync(file.path);
    const data = file.compressed ? Buffer.from((await loadPako()).ungzip(raw)) : raw;
    return decodeFrames(data).frames.length;
  } catch {
    return 0;
  }
}

/**
 * gzip one settled segment. The original is removed only once its gzip is complete, durable and
 * proven to decompress to exactly the original bytes; any failure (a full disk) leaves the
 * original as it was and throws. If a late writer grew it meanwhile, start over.
 */
async function compressSegment(file: JournalFile, level: number): Promise<boolean> {
  const pako = await loadPako();
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = statSync(file.path);
    const data = readFileSync(file.path);
    const gz = pako.gzip(data, { level: level as 0 });
    const tmp = `${file.path}.gz.tmp`;
    try {
      const fd = createExclusive(tmp);
      try {
        writeAllSync(fd, gz); // every byte, or ENOSPC: never a truncated gzip
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (!Buffer.from(pako.ungzip(readFileSync(tmp))).equals(data)) throw new Error(`${tmp} does not decompress to ${file.name}`);
    } catch (err) {
      try {
        unlinkSync(tmp);
      } catch {
        /* not created */
      }
      throw err;
    }
    renameSync(tmp, `${file.path}.gz`);
    const after = statSync(file.path);
    if (after.size !== before.size || after.size !== data.length) continue;
    // Keep the segment's time: age-based rules (retention) apply to when it was written.
    utimesSync(`${file.path}.gz`, new Date(before.mtimeMs), new Date(before.mtimeMs));
    unlinkSync(file.path);
    return true;
  }
  return false;
}

async function removeSegment(paths: ReturnType<typeof journalPaths>, file: JournalFile, reason: DropEntry['reason']): Promise<void> {
  const entry: DropEntry = { time: new Date().toISOString(), reason, segment: file.name, records: await countRecords(file), bytes: file.size };
  const fd = openAppendNoFollow(paths.dropped);
  try {
    writeAllSync(fd, Buffer.from(`${JSON.stringify(entry)}\n`));
  } finally {
    closeSync(fd);
  }
  unlinkSync(file.path);
}

export async function maintainJournal(opts: JournalOptions, now = Date.now()): Promise<MaintenanceReport> {
  const paths = journalPaths(opts.dir);
  const report: MaintenanceReport = { skipped: false, rotated: false, compressed: [], expired: [], evicted: [], totalBytes: 0, failed: [] };
  const lock = tryDirLock(paths.maintenanceLock, 120_000);
  if (!lock) return { ...report, skipped: true };
  try {
    // 1. Rotation by size or record count (the count is only checked here, not per append).
    let walSize = 0;
    try {
      walSize = statSync(paths.wal).size;
    } catch {
      /* none */
    }
    if (walSize >= opts.rotationBytes || (walSize > 0 && countLines(paths.wal) >= opts.archiveLines)) {
      report.rotated = rotateWal(paths, 1);
    }
    let segments = listJournalFiles(paths).filter((f) => !f.live);

    // 2. Retention.
    for (const f of segments) {
      if (now - f.mtimeMs > opts.retentionMs) {
        await removeSegment(paths, f, 'retention');
        report.expired.push(f.name);
      }
    }
    segments = listJournalFiles(paths).filter((f) => !f.live);

    // 3. Compression of settled segments.
    const settleMs = Math.max(opts.compressionAgeMs, opts.sealGraceMs);
    for (const f of segments) {
      if (f.compressed || now - f.mtimeMs < settleMs) continue;
      lock.touch();
      try {
        if (await compressSegment(f, opts.compressionLevel)) report.compressed.push(f.name);
      } catch (err) {
        // The segment stays uncompressed and whole; the next maintenance tries again.
        report.failed.push({ segment: f.name, error: `${(err as NodeJS.ErrnoException).code ?? 'EIO'}: ${(err as Error).message}` });
      }
    }

    // 4. Disk budget: segments must leave room for the live WAL to grow to its rotation size.
    const files = listJournalFiles(paths);
    const live = files.find((f) => f.live)?.size ?? 0;
    segments = files.filter((f) => !f.live);
    let segBytes = segments.reduce((s, f) => s + f.size, 0);
    const allowed = opts.maxBytes - Math.max(live, opts.rotationBytes) - SLACK_BYTES;
    for (const f of segments) {
      if (segBytes <= allowed) break;
      await removeSegment(paths, f, 'disk_budget');
      report.evicted.push(f.name);
      segBytes -= f.size;
    }
    report.totalBytes = segBytes + live;
    touchNoFollow(paths.stamp);
    return report;
  } finally {
    lock.release();
  }
}

export function readDropped(opts: Pick<JournalOptions, 'dir'>): DropEntry[] {
  try {
    return readFileSync(journalPaths(opts.dir).dropped, 'utf8')
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as DropEntry];
        } catch {
          return [];
        }
      });
  } catch {
    return [];
  }
}
