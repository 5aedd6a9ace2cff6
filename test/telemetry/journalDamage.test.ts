/**
 * Issue 15, items 6 and 13 (journal): compression on a nearly full disk never destroys a segment;
 * a damaged segment never makes the whole journal unreadable; nothing in the journal is followed
 * through a symlink.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendRecord } from '../../src/journal/appendRecord.js';
import { encodeFrame } from '../../src/journal/frameRecord.js';
import { journalPaths } from '../../src/journal/journalPaths.js';
import { listJournalFiles } from '../../src/journal/listJournalFiles.js';
import { maintainJournal } from '../../src/journal/maintainJournal.js';
import { scanJournal } from '../../src/journal/scanJournal.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { runSync, tempDir } from '../support/index.js';

const KB = 1024;
const ENV = { JOURNAL_ROTATION_MB: String(4 / KB), JOURNAL_COMPRESSION_AGE_DAYS: '0', JOURNAL_SEAL_GRACE_MS: '0', COMPRESSION_LEVEL: '0' };

function fill(dir: string, n: number) {
  const tc = resolveTelemetryConfig(ENV, dir);
  const paths = journalPaths(dir);
  // Random padding: gzip at level 0 does not shrink it, so the gzip needs as much room as the data.
  for (let i = 0; i < n; i++) appendRecord(paths, tc.journal, encodeFrame({ i, pad: Math.random().toString(36).repeat(4) }));
  return { tc, paths };
}

async function values(dir: string): Promise<number[]> {
  const out: number[] = [];
  await scanJournal(dir, (c) => {
    out.push(...c.records.map((r) => (r.value as { i: number }).i));
  });
  return out.sort((a, b) => a - b);
}

const mounts: string[] = [];
const canMount = process.getuid?.() === 0;
afterAll(() => {
  for (const m of mounts) {
    try {
      execFileSync('umount', [m]);
    } catch {
      /* busy or gone */
    }
  }
});

describe.skipIf(!canMount)('compression on a nearly full disk', () => {
  it('keeps every segment whole, reports the failure, and the journal stays readable', async () => {
    const dir = join(tempDir(), 'tmpfs');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', dir]);
    mounts.push(dir);
    const { tc, paths } = fill(dir, 150);
    const before = await values(dir);
    expect(before.length).toBe(150);
    // Free room from one page up: at each level maintenance skips (no room for its lock),
    // compresses, or fails cleanly; never a record lost. Some level must make the gzip fail.
    const filler = join(dir, 'filler');
    const avail = () => {
      const [a, b] = execFileSync('stat', ['-f', '-c', '%a %S', dir]).toString().trim().split(' ').map(Number);
      return a! * b!;
    };
    let failedAt = -1;
    for (let free = 4; free <= 32 && failedAt < 0; free += 4) {
      rmSync(filler, { force: true });
      writeFileSync(filler, Buffer.alloc(Math.max(0, avail() - free * KB)));
      const r = await maintainJournal(tc.journal);
      expect(await values(dir)).toEqual(before);
      expect(readdirSync(paths.segments).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      if (r.failed.length) {
        expect(r.failed[0]!.error).toMatch(/ENOSPC/);
        failedAt = free;
      }
    }
    expect(failedAt).toBeGreaterThan(0);
    const cli = runSync(['telemetry', 'maintain'], { TELEMETRY_DIR: dir, ...ENV });
    expect(cli.code).toBe(11);
    expect(cli.stderr).toContain('[IO_ERROR]');
    unlinkSync(filler);
    expect(runSync(['telemetry', 'verify'], { TELEMETRY_DIR: dir, ...ENV }).code).toBe(0);
    expect((await maintainJournal(tc.journal)).failed).toEqual([]);
    expect(await values(dir)).toEqual(before);
  });
});

describe('a damaged segment', () => {
  it.each(['truncated', 'garbled'])('a %s gzip segment is skipped by stats and reported by verify (exit 9); the rest stays readable', async (how) => {
    const dir = tempDir();
    const { tc, paths } = fill(dir, 150);
    await maintainJournal(tc.journal);
    const gz = listJournalFiles(paths).find((f) => f.compressed)!;
    const bytes = readFileSync(gz.path);
    writeFileSync(gz.path, how === 'truncated' ? bytes.subarray(0, bytes.length >> 1) : Buffer.concat([bytes.subarray(0, 10), Buffer.alloc(bytes.length - 10, 0x55)]));
    const after = await values(dir);
    expect(after.length).toBeGreaterThan(0);
    expect(after.length).toBeLessThan(150);
    const verify = runSync(['telemetry', 'verify'], { TELEMETRY_DIR: dir });
    expect(verify.code).toBe(9);
    const stats = runSync(['telemetry', 'stats'], { TELEMETRY_DIR: dir });
    expect(stats.code).toBe(0);
    const query = runSync(['telemetry', 'query'], { TELEMETRY_DIR: dir });
    expect([0, 3]).toContain(query.code); // no spans among these records, but no crash
  });
});

describe('symlinks planted in the journal', () => {
  it('the WAL, the sync marker, the stamp and a segment are never written or read through a link', async () => {
    const base = tempDir();
    const dir = join(base, 'telemetry');
    const { paths } = fill(dir, 60);
    const outside = join(base, 'outside');
    writeFileSync(outside, 'untouched');
    rmSync(paths.wal);
    symlinkSync(outside, paths.wal);
    rmSync(paths.syncMarker, { force: true });
    symlinkSync(outside, paths.syncMarker);
    symlinkSync(outside, paths.stamp);
    symlinkSync(outside, join(paths.segments, `${readdirSync(paths.segments)[0]!}-x.wal`));
    const tc = resolveTelemetryConfig({ ...ENV, WAL_SYNC_INTERVAL: '1' }, dir);
    expect(() => appendRecord(paths, tc.journal, encodeFrame({ i: 99 }))).toThrow(/ELOOP/);
    await maintainJournal(tc.journal);
    expect(readFileSync(outside, 'utf8')).toBe('untouched');
    expect(existsSync(paths.stamp)).toBe(true);
  });
});
