/**
 * Sends journal spans the collector has not acknowledged yet, in journal order, and remembers how
 * far it got in ship-cursor.json (written atomically after every acknowledged batch), so a
 * collector that was down receives everything later, once. One shipper at a time (ship.lock).
 *
 * Cursor: per segment name, the offset shipped up to; for the live WAL, (inode, first-bytes
 * checksum, offset) entries, because its name is reused after every rotation. When a WAL file
 * becomes a segment, its entry is found by the inode in the segment's name and moves over.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from '../journal/crc32.js';
import { decodeFrames } from '../journal/frameRecord.js';
import { journalPaths } from '../journal/journalPaths.js';
import { listJournalFiles } from '../journal/listJournalFiles.js';
import { readJournalBytes } from '../journal/readJournalFile.js';
import { tryDirLock } from '../journal/tryDirLock.js';
import { createOtlpSender, type OtlpSender } from './createOtlpSender.js';
import type { TelemetryConfig } from './resolveTelemetryConfig.js';
import { isSpanRecord } from './SpanRecord.js';
import { makeResourceCache, toReadableSpan, type ReadableSpanLike } from './toReadableSpan.js';

export interface ShipCursor {
  v: 1;
  segments: Record<string, { offset: number; done?: boolean }>;
  wals: { ino: string; head: string; offset: number }[];
}

export interface ShipOptions {
  /** Overall bound in ms (inline export from a CLI call); undefined = none (`telemetry ship`). */
  boundMs?: number;
  /** Stop after this many spans. */
  maxSpans?: number;
  /** Wait (up to 10 s) for another shipper instead of skipping. */
  waitForLock: boolean;
}

export interface ShipReport {
  /** Another process was shipping. */
  skipped: boolean;
  sent: number;
  batches: number;
  /** Everything in the journal has been acknowledged. */
  complete: boolean;
  /** Why shipping stopped early, if it did. */
  stopped?: 'collector_failed' | 'time_bound' | 'max_spans';
}

const HEAD_BYTES = 64;
const headOf = (data: Buffer) => (data.length >= HEAD_BYTES ? crc32(data, 0, HEAD_BYTES).toString(16) : '');

export function readShipCursor(path: string): ShipCursor {
  try {
    const c = JSON.parse(readFileSync(path, 'utf8')) as ShipCursor;
    if (c && c.v === 1 && typeof c.segments === 'object' && Array.isArray(c.wals)) return c;
  } catch {
    /* none yet, or unreadable: start from the beginning */
  }
  return { v: 1, segments: {}, wals: [] };
}

function writeShipCursor(path: string, c: ShipCursor): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(c));
  renameSync(tmp, path);
}

export async function shipJournal(tc: TelemetryConfig, opts: ShipOptions): Promise<ShipReport> {
  const exp = tc.export;
  const report: ShipReport = { skipped: false, sent: 0, batches: 0, complete: false };
  if (!exp) return report;
  const started = Date.now();
  const deadline = opts.boundMs === undefined ? Infinity : started + opts.boundMs;
  const paths = journalPaths(tc.journal.dir);
  let lock = tryDirLock(paths.shipLock, 60_000);
  while (!lock && opts.waitForLock && Date.now() - started < 10_000) {
    await sleep(50);
    lock = tryDirLock(paths.shipLock, 60_000);
  }
  if (!lock) return { ...report, skipped: true };
  let sender: OtlpSender | undefined;
  try {
    const cursor = readShipCursor(paths.cursor);
    const files = listJournalFiles(paths);
    const resourceOf = makeResourceCache();
    const perBatchMs = opts.boundMs === undefined ? exp.shipBatchTimeoutMs : Math.min(exp.timeoutMs, opts.boundMs);
    for (const file of files) {
      const seg = file.live ? undefined : cursor.segments[file.name];
      if (seg?.done) continue;
      let data: Buffer;
      let compressed: boolean;
      try {
        ({ data, compressed } = await readJournalBytes(file));
      } catch {
        continue; // removed meanwhile (retention, budget)
      }
      const head = headOf(data);
      const walIdx = head === '' ? -1 : cursor.wals.findIndex((w) => w.ino === file.ino && w.head === head);
      const matched = walIdx >= 0 ? cursor.wals.splice(walIdx, 1)[0] : undefined;
      let offset = seg?.offset ?? matched?.offset ?? 0;
      const save = () => {
        if (file.live) {
          const others = cursor.wals.filter((w) => !(w.ino === file.ino && w.head === head));
          cursor.wals = offset > 0 ? [{ ino: file.ino, head, offset }, ...others].slice(0, 16) : others;
        } else {
          cursor.segments[file.name] = { offset, ...(compressed && offset >= data.length ? { done: true } : {}) };
        }
        writeShipCursor(paths.cursor, cursor);
      };
      const { frames, bad } = decodeFrames(data.subarray(offset), offset);
      // A torn tail may be an append still in progress: never move the cursor past it.
      const torn = bad.find((b) => b.kind === 'torn');
      const endOfGood = torn ? torn.offset : data.length;
      const spans: { span: ReadableSpanLike; end: number }[] = [];
      for (const f of frames) {
        try {
          const rec: unknown = JSON.parse(f.payload.toString('utf8'));
          if (isSpanRecord(rec)) spans.push({ span: toReadableSpan(rec, resourceOf(rec.resource)), end: f.end });
        } catch {
          /* checksum-valid but not JSON: verify reports it; nothing to send */
        }
      }
      for (let i = 0; i < spans.length; i += exp.batchSize) {
        if (opts.maxSpans !== undefined && report.sent >= opts.maxSpans) return { ...report, stopped: 'max_spans' };
        const remaining = deadline - Date.now();
        if (remaining <= 0) return { ...report, stopped: 'time_bound' };
        sender ??= await createOtlpSender(exp, Math.min(perBatchMs, remaining));
        const batch = spans.slice(i, i + exp.batchSize);
        const ok = await sender.send(batch.map((s) => s.span), Math.min(perBatchMs, deadline - Date.now()));
        if (!ok) return { ...report, stopped: Date.now() >= deadline ? 'time_bound' : 'collector_failed' };
        report.sent += batch.length;
        report.batches++;
        offset = i + exp.batchSize >= spans.length ? endOfGood : batch[batch.length - 1]!.end;
        save();
      }
      if (offset < endOfGood || matched || (compressed && !seg?.done)) {
        // Skip corrupt bytes, move a WAL entry to its segment, mark finished compressed segments.
        offset = Math.max(offset, endOfGood);
        save();
      }
    }
    // Forget segments that no longer exist.
    const names = new Set(files.map((f) => f.name));
    let pruned = false;
    for (const n of Object.keys(cursor.segments)) {
      if (!names.has(n)) {
        delete cursor.segments[n];
        pruned = true;
      }
    }
    if (pruned) writeShipCursor(paths.cursor, cursor);
    return { ...report, complete: true };
  } finally {
    sender?.close();
    lock.release();
  }
}
