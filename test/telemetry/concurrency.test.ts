/**
 * Concurrency and crash claims, proven with real processes: 32 appenders while rotation and gzip
 * run (every acknowledged record read back exactly once), and SIGKILL during appends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { journalPaths } from '../../src/journal/journalPaths.js';
import { maintainJournal } from '../../src/journal/maintainJournal.js';
import { scanJournal } from '../../src/journal/scanJournal.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { WORKERS, DIST, requireBuild, tempDir } from '../support/index.js';

interface Writer {
  child: ChildProcess;
  acked: number[];
  done: Promise<number | null>;
}

function startWriter(dir: string, id: string, count: string, env: Record<string, string>, tornAt?: number): Writer {
  const child = spawn(process.execPath, [join(WORKERS, 'appender.mjs'), DIST, dir, id, count, ...(tornAt === undefined ? [] : [String(tornAt)])], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked: number[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l.startsWith('ack ')) acked.push(Number(l.slice(4)));
  });
  const done = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  return { child, acked, done };
}

async function readAll(dir: string) {
  const seen = new Map<string, number>();
  const bad: { kind: string }[] = [];
  await scanJournal(dir, (c) => {
    bad.push(...c.bad);
    for (const r of c.records) {
      const v = r.value as { writer: string; seq: number };
      const k = `${v.writer}:${v.seq}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  });
  return { seen, bad };
}

describe('journal under concurrency', () => {
  beforeAll(requireBuild);

  it('32 processes appending while rotation and compression run: every acknowledged record exactly once', async () => {
    const dir = tempDir();
    const env = {
      JOURNAL_ROTATION_MB: String(16 / 1024), // 16 KiB segments: many rotations
      JOURNAL_COMPRESSION_AGE_DAYS: '0',
      JOURNAL_SEAL_GRACE_MS: '300',
      JOURNAL_MAINTENANCE_INTERVAL_S: '0',
      JOURNAL_MAX_MB: '1024',
      WAL_SYNC_INTERVAL: 'never',
    };
    const N = 32;
    const PER = 250;
    const writers = Array.from({ length: N }, (_, i) => startWriter(dir, `w${i}`, String(PER), env));
    const codes = await Promise.all(writers.map((w) => w.done));
    expect(codes).toEqual(Array(N).fill(0));
    // Compression ran while the writers were appending, not only afterwards.
    expect(readdirSync(journalPaths(dir).segments).filter((s) => s.endsWith('.gz')).length).toBeGreaterThan(0);
    // Settle: everything rotated and compressed after the writers are gone.
    const tc = resolveTelemetryConfig({ ...env, JOURNAL_SEAL_GRACE_MS: '0' }, dir);
    const before = await maintainJournal({ ...tc.journal, rotationBytes: 1 });
    expect(before.skipped).toBe(false);
    const segs = readdirSync(journalPaths(dir).segments);
    expect(segs.length).toBeGreaterThan(10);
    expect(segs.some((s) => s.endsWith('.gz'))).toBe(true);

    const { seen, bad } = await readAll(dir);
    expect(bad).toEqual([]);
    const dupes = [...seen].filter(([, n]) => n !== 1);
    expect(dupes).toEqual([]);
    for (let i = 0; i < N; i++) {
      expect(writers[i]!.acked).toHaveLength(PER);
      for (const s of writers[i]!.acked) expect(seen.get(`w${i}:${s}`)).toBe(1);
    }
    expect(seen.size).toBe(N * PER);
  });

  it('SIGKILL during appends (WAL_SYNC_INTERVAL=always): nothing acknowledged is lost, the torn tail is skipped and reported', async () => {
    const dir = tempDir();
    const env = { WAL_SYNC_INTERVAL: 'always', JOURNAL_ROTATION_MB: String(64 / 1024), JOURNAL_SEAL_GRACE_MS: '60000', TEST_PAD: '200' };
    const writers = Array.from({ length: 6 }, (_, i) => startWriter(dir, `k${i}`, 'forever', env));
    // Kill each writer once it has acknowledged a few records (driven by its output, not a timer).
    await Promise.all(
      writers.map(
        (w) =>
          new Promise<void>((res) => {
            const poll = setInterval(() => {
              if (w.acked.length >= 15) {
                clearInterval(poll);
                w.child.kill('SIGKILL');
                res();
              }
            }, 5);
          }),
      ),
    );
    // One more writer tears its own append: half a frame, then SIGKILL.
    const tearer = startWriter(dir, 'torn', '100', env, 7);
    expect(await tearer.done).toBe(null);
    await Promise.all(writers.map((w) => w.done));
    // Appends continue after the tear.
    const after = startWriter(dir, 'after', '3', env);
    expect(await after.done).toBe(0);

    const { seen, bad } = await readAll(dir);
    for (const w of [...writers.map((w, i) => [`k${i}`, w] as const), ['torn', tearer] as const, ['after', after] as const]) {
      for (const s of w[1].acked) expect(seen.get(`${w[0]}:${s}`), `${w[0]}:${s}`).toBe(1);
    }
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.has('torn:7')).toBe(false);
    expect(tearer.acked).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(bad.length).toBeGreaterThanOrEqual(1);
    expect(seen.get('after:2')).toBe(1);
  });
});
