/**
 * Issue 15, item 15: `telemetry stats` and `cleanup` stream, in bounded memory, whatever the size of
 * the journal or the history. Proven without timing: each runs in a child process whose V8 heap is
 * capped far below the data it reads (--max-old-space-size), and must still succeed with the right
 * answer. The previous implementations held every span / every log line at once and run out.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/journal/frameRecord.js';
import { CLI, storeEnv, tempDir } from '../support/index.js';

const HEAP_MB = 40;
const capped = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, CLI, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 });

describe('bounded memory', () => {
  it(`telemetry stats over 200,000 spans (about 100 MB of records) in a ${HEAP_MB} MB heap`, () => {
    const dir = join(tempDir(), 'telemetry');
    mkdirSync(join(dir, 'segments'), { recursive: true });
    // As rotation leaves them: segments of JOURNAL_ROTATION_MB's default, 16 MB.
    let fd = -1;
    let written = 0;
    let seg = 0;
    const N = 200_000;
    const pad = 'x'.repeat(300);
    for (let i = 0; i < N; i++) {
      const t = BigInt(Date.now() - 3_600_000 + i) * 1_000_000n;
      const rec = { v: 1, traceId: i.toString(16).padStart(32, '0'), spanId: i.toString(16).padStart(16, '0'), name: 'swarmfile.claim', kind: 0, startTimeUnixNano: String(t), endTimeUnixNano: String(t + 2_000_000n), durationMs: 1 + (i % 100), status: { code: 1 }, attributes: { 'swarmfile.operation': i % 2 ? 'claim' : 'complete', 'lock.wait_ms': i % 7, pad }, sampleRate: 1, resource: { 'service.name': 'swarmfile', 'process.pid': 1 } };
      if (fd < 0 || written > 16 << 20) {
        if (fd >= 0) closeSync(fd);
        fd = openSync(join(dir, 'segments', `seg-${String(1_700_000_000_000 + seg).padStart(13, '0')}-${seg}.wal`), 'w');
        seg++;
        written = 0;
      }
      written += writeSync(fd, encodeFrame(rec));
    }
    closeSync(fd);
    const r = capped(['--json', 'telemetry', 'stats'], { PATH: process.env.PATH ?? '', TELEMETRY_DIR: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ops = JSON.parse(r.stdout).operations as { operation: string; spans: number; latencyMs: { max: number } }[];
    expect(ops.map((o) => [o.operation, o.spans])).toEqual([['claim', N / 2], ['complete', N / 2]]);
    expect(ops[0]!.latencyMs.max).toBe(100);
  });

  it(`cleanup of 250,000 finished items (about 110 MB of history) in a ${HEAP_MB} MB heap`, () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { WORK_QUEUE_SHARDING: '4' });
    expect(spawnSync(process.execPath, [CLI, 'register', 'seed'], { env }).status).toBe(0);
    const N = 250_000;
    const pad = 'y'.repeat(300);
    const fds = Array.from({ length: 4 }, (_, s) => openSync(join(dir, `work_completed.${String(s).padStart(3, '0')}.jsonl`), 'w'));
    // The shard of an id does not matter to cleanup; lines are spread over the four logs.
    for (let k = 0; k < N; k += 1000) {
      const lines = Array.from({ length: 1000 }, (_, j) => JSON.stringify({ work_item_id: `work_${1_000_000_000_000_000_000n + BigInt(k + j)}`, agent_id: 'a', work_type: 'f', description: pad, priority: 'medium', team: 't', status: 'completed', progress: 100, completed_at: '2025-01-02T00:00:00Z', result: 'success', velocity_points: 1 }));
      writeSync(fds[(k / 1000) % 4]!, lines.join('\n') + '\n');
    }
    fds.forEach((fd) => closeSync(fd));
    const r = capped(['-q', '--json', 'cleanup', '--older-than', '1d'], env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).archived).toBe(N);
  });
});
