import { appendFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendRecord } from '../../src/journal/appendRecord.js';
import { decodeFrames, encodeFrame } from '../../src/journal/frameRecord.js';
import { journalPaths } from '../../src/journal/journalPaths.js';
import { scanJournal } from '../../src/journal/scanJournal.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { runSync, requireBuild, tempDir } from '../support/index.js';

async function readValues(dir: string) {
  const values: unknown[] = [];
  const bad: { kind: string; offset: number }[] = [];
  await scanJournal(dir, (c) => {
    values.push(...c.records.map((r) => r.value));
    bad.push(...c.bad);
  });
  return { values, bad };
}

describe('record framing', () => {
  it('round-trips records, including unicode and newlines in strings', () => {
    const recs = [{ a: 1 }, { s: 'line\nbreak ✓ SW1 00000001 00000000 x' }, { n: null }];
    const buf = Buffer.concat(recs.map(encodeFrame));
    const { frames, bad } = decodeFrames(buf);
    expect(bad).toEqual([]);
    expect(frames.map((f) => JSON.parse(f.payload.toString()))).toEqual(recs);
    expect(buf.toString().split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('detects a torn tail and a corrupt middle, and resynchronises on the next frame', () => {
    const a = encodeFrame({ i: 1 });
    const b = encodeFrame({ i: 2 });
    const c = encodeFrame({ i: 3 });
    const flipped = Buffer.from(b);
    flipped[flipped.length - 5] ^= 0x01; // payload bit flip: checksum must catch it
    const buf = Buffer.concat([a, flipped, c, a.subarray(0, 20)]);
    const { frames, bad } = decodeFrames(buf);
    expect(frames.map((f) => JSON.parse(f.payload.toString()).i)).toEqual([1, 3]);
    expect(bad.map((x) => x.kind)).toEqual(['corrupt', 'torn']);
    expect(bad[0]!.offset).toBe(a.length);
  });

  it('a record appended after a torn tail (no newline) is still read', () => {
    const torn = encodeFrame({ i: 1, pad: 'abcdef' }).subarray(0, 30);
    const { frames, bad } = decodeFrames(Buffer.concat([torn, encodeFrame({ i: 2 })]));
    expect(frames.map((f) => JSON.parse(f.payload.toString()).i)).toEqual([2]);
    expect(bad).toEqual([{ offset: 0, bytes: 30, kind: 'corrupt' }]);
  });
});

describe('WAL append and reader', () => {
  beforeAll(requireBuild);

  it('appends, reports torn regions, and `telemetry verify` exits 9 (STORE_CORRUPT) on them', async () => {
    const dir = tempDir();
    const tc = resolveTelemetryConfig({ WAL_SYNC_INTERVAL: 'always' }, dir);
    const paths = journalPaths(dir);
    for (let i = 0; i < 5; i++) expect(appendRecord(paths, tc.journal, encodeFrame({ i })).synced).toBe(true);
    expect((await readValues(dir)).values).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(runSync(['telemetry', 'verify'], { TELEMETRY_DIR: dir }).code).toBe(0);

    const size = readFileSync(paths.wal).length;
    truncateSync(paths.wal, size - 7); // a crash mid-record
    let r = await readValues(dir);
    expect(r.values).toHaveLength(4);
    expect(r.bad).toEqual([expect.objectContaining({ kind: 'torn' })]);
    const v = runSync(['telemetry', 'verify', '--json'], { TELEMETRY_DIR: dir });
    expect(v.code).toBe(9);
    expect(JSON.parse(v.stdout).bad).toHaveLength(1);

    appendRecord(paths, tc.journal, encodeFrame({ i: 5 }));
    r = await readValues(dir);
    expect(r.values.at(-1)).toEqual({ i: 5 });
    expect(r.values).toHaveLength(5);
  });

  it('ignores garbage lines and keeps reading', async () => {
    const dir = tempDir();
    const paths = journalPaths(dir);
    const tc = resolveTelemetryConfig({}, dir);
    appendRecord(paths, tc.journal, encodeFrame({ i: 1 }));
    appendFileSync(paths.wal, 'not a record\n{"json":"but unframed"}\n');
    appendRecord(paths, tc.journal, encodeFrame({ i: 2 }));
    const r = await readValues(dir);
    expect(r.values).toEqual([{ i: 1 }, { i: 2 }]);
    expect(r.bad.map((b) => b.kind)).toEqual(['corrupt']);
  });

  it('telemetry query/stats read CLI spans; a failed operation carries its error code', () => {
    const dir = tempDir();
    const env = { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c`, AGENT_ID: 'agent_1' };
    const id = runSync(['claim', 'feature', 'desc', 'high', 'red'], env).stdout.trim();
    expect(runSync(['progress', id, '40'], env).code).toBe(0);
    expect(runSync(['complete', id], env).code).toBe(0);
    expect(runSync(['complete', id], env).code).toBe(4);
    const q = runSync(['telemetry', 'query', '--json'], env);
    expect(q.code).toBe(0);
    const spans = q.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(spans.map((s) => s.name)).toEqual(['swarmfile.claim', 'swarmfile.progress', 'swarmfile.complete', 'swarmfile.complete']);
    expect(spans[0].attributes).toMatchObject({ 'swarmfile.operation': 'claim', 'agent.id': 'agent_1', 'work.id': id, 'work.type': 'feature', 'work.team': 'red' });
    expect(typeof spans[0].attributes['store.shard']).toBe('number');
    expect(typeof spans[0].attributes['lock.wait_ms']).toBe('number');
    expect(spans[3].status).toEqual({ code: 2, message: 'WRONG_STATE' });
    expect(spans[3].attributes['error.code']).toBe('WRONG_STATE');
    for (const s of spans) {
      expect(s.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
    }
    const st = JSON.parse(runSync(['telemetry', 'stats', '--json'], env).stdout);
    const complete = st.operations.find((o: { operation: string }) => o.operation === 'complete');
    expect(complete).toMatchObject({ count: 2, errors: 1, successRate: 0.5, errorCodes: { WRONG_STATE: 1 } });
    const only = JSON.parse(runSync(['telemetry', 'stats', '--json', '--operation', 'claim', '--since', '1h'], env).stdout);
    expect(only.operations.map((o: { operation: string }) => o.operation)).toEqual(['claim']);
    const none = JSON.parse(runSync(['telemetry', 'stats', '--json', '--until', '2000-01-01T00:00:00Z'], env).stdout);
    expect(none.operations).toEqual([]);
    expect(runSync(['telemetry', 'stats', '--since', 'yesterday-ish'], env).code).toBe(2);
  });

  it('OTEL_SDK_DISABLED=true writes nothing', () => {
    const dir = tempDir();
    const env = { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c`, OTEL_SDK_DISABLED: 'true' };
    expect(runSync(['claim', 'feature', 'x'], env).code).toBe(0);
    expect(runSync(['telemetry', 'query'], env).stdout).toBe('');
  });

  it('a journal directory that cannot be written never fails the operation', () => {
    const dir = tempDir();
    writeFileSync(`${dir}/t`, 'a file where the journal directory should be');
    const r = runSync(['claim', 'feature', 'x'], { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c` });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^work_\d+/);
  });
});
