import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { tryDirLock } from '../../src/journal/tryDirLock.js';
import { describe, expect, it } from 'vitest';
import { appendRecord } from '../../src/journal/appendRecord.js';
import { encodeFrame } from '../../src/journal/frameRecord.js';
import { journalPaths } from '../../src/journal/journalPaths.js';
import { listJournalFiles } from '../../src/journal/listJournalFiles.js';
import { maintainJournal, maintenanceDue, readDropped } from '../../src/journal/maintainJournal.js';
import { rotateWal } from '../../src/journal/rotateWal.js';
import { scanJournal } from '../../src/journal/scanJournal.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { runSync, tempDir } from '../support/index.js';

const KB = 1024;

function fill(dir: string, env: Record<string, string>, n: number, from = 0) {
  const tc = resolveTelemetryConfig(env, dir);
  const paths = journalPaths(dir);
  for (let i = from; i < from + n; i++) appendRecord(paths, tc.journal, encodeFrame({ i, pad: 'p'.repeat(100 + (i % 7)) }));
  return { tc, paths };
}

async function values(dir: string): Promise<number[]> {
  const out: number[] = [];
  await scanJournal(dir, (c) => {
    out.push(...c.records.map((r) => (r.value as { i: number }).i));
  });
  return out;
}

const age = (path: string, days: number) => {
  const t = new Date(Date.now() - days * 86_400_000);
  utimesSync(path, t, t);
};

describe('rotation, gzip, retention, budget', () => {
  it('rotates at JOURNAL_ROTATION_MB, gzips settled segments with pako, and reads them back in order', async () => {
    const dir = tempDir();
    const env = { JOURNAL_ROTATION_MB: String(4 / KB), JOURNAL_COMPRESSION_AGE_DAYS: '0', JOURNAL_SEAL_GRACE_MS: '0', COMPRESSION_LEVEL: '9' };
    const { tc, paths } = fill(dir, env, 200);
    expect(readdirSync(paths.segments).length).toBeGreaterThan(3);
    const r = await maintainJournal(tc.journal);
    expect(r.compressed.length).toBeGreaterThan(3);
    const files = listJournalFiles(paths);
    expect(files.filter((f) => !f.live).every((f) => f.compressed && f.path.endsWith('.wal.gz'))).toBe(true);
    expect(await values(dir)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const pako = await import('pako');
    const gz = files.find((f) => f.compressed)!;
    expect(pako.ungzip(new Uint8Array(require('node:fs').readFileSync(gz.path))).length).toBeGreaterThan(gz.size);
    expect(runSync(['telemetry', 'verify'], { TELEMETRY_DIR: dir }).code).toBe(0);
  });

  it('rotates at TELEMETRY_ARCHIVE_LINES when maintenance runs; respects JOURNAL_COMPRESSION_AGE_DAYS', async () => {
    const dir = tempDir();
    const { tc, paths } = fill(dir, { TELEMETRY_ARCHIVE_LINES: '50', JOURNAL_COMPRESSION_AGE_DAYS: '2', JOURNAL_SEAL_GRACE_MS: '0' }, 60);
    const r = await maintainJournal(tc.journal);
    expect(r.rotated).toBe(true);
    expect(r.compressed).toEqual([]);
    const seg = listJournalFiles(paths).find((f) => !f.live)!;
    age(seg.path, 3);
    expect((await maintainJournal(tc.journal)).compressed).toEqual([seg.name]);
    expect(await values(dir)).toHaveLength(60);
  });

  it('removes segments older than JOURNAL_RETENTION_DAYS and records the removal', async () => {
    const dir = tempDir();
    const env = { JOURNAL_ROTATION_MB: String(4 / KB), JOURNAL_RETENTION_DAYS: '7', JOURNAL_SEAL_GRACE_MS: '0' };
    const { tc, paths } = fill(dir, env, 100);
    const segs = listJournalFiles(paths).filter((f) => !f.live);
    age(segs[0]!.path, 8);
    const r = await maintainJournal(tc.journal);
    expect(r.expired).toEqual([segs[0]!.name]);
    const dropped = readDropped(tc.journal);
    expect(dropped).toEqual([expect.objectContaining({ reason: 'retention', segment: segs[0]!.name })]);
    expect((await values(dir)).length + dropped[0]!.records).toBe(100);
  });

  it('keeps the journal within JOURNAL_MAX_MB, evicting oldest segments, and says so', async () => {
    const dir = tempDir();
    const env = { JOURNAL_ROTATION_MB: String(4 / KB), JOURNAL_MAX_MB: String(80 / KB), JOURNAL_SEAL_GRACE_MS: '600000', JOURNAL_COMPRESSION_AGE_DAYS: '30', TELEMETRY_DIR: dir };
    const { tc, paths } = fill(dir, env, 1500);
    const r = await maintainJournal(tc.journal);
    expect(r.evicted.length).toBeGreaterThan(0);
    const total = listJournalFiles(paths).reduce((s, f) => s + f.size, 0);
    expect(total).toBeLessThanOrEqual(tc.journal.maxBytes);
    const dropped = readDropped(tc.journal);
    const lost = dropped.filter((d) => d.reason === 'disk_budget').reduce((s, d) => s + d.records, 0);
    const left = await values(dir);
    expect(left.length + lost).toBe(1500);
    expect(left.at(-1)).toBe(1499); // newest kept, oldest evicted
    const v = runSync(['telemetry', 'verify'], env);
    expect(v.stdout).toMatch(/disk_budget/);
    const files = runSync(['telemetry', 'files'], env);
    expect(files.stderr).toMatch(/bytes of \d+ \(JOURNAL_MAX_MB\)/);
  });

  it('maintenance is due only after the interval or a rotation, and is skipped while another process holds it', async () => {
    const dir = tempDir();
    const { tc, paths } = fill(dir, { JOURNAL_MAINTENANCE_INTERVAL_S: '3600' }, 3);
    expect(maintenanceDue(tc.journal)).toBe(true);
    await maintainJournal(tc.journal);
    expect(maintenanceDue(tc.journal)).toBe(false);
    age(paths.stamp, 0.001); // 86 s ago
    rotateWal(paths, 0);
    expect(maintenanceDue(tc.journal)).toBe(true);
    // Held by a live holder (this process, through the one lock algorithm): skipped, lock kept.
    const held = tryDirLock(paths.maintenanceLock, 120_000)!;
    expect((await maintainJournal(tc.journal)).skipped).toBe(true);
    expect(statSync(join(paths.root, 'maintenance.lock')).isDirectory()).toBe(true);
    held.release();
    expect((await maintainJournal(tc.journal)).skipped).not.toBe(true);
  });
});
