import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ERROR_CODES, SwarmError, exitStatusFor } from '../../src/errors.js';
import { backoffDelay } from '../../src/lock/backoffDelay.js';
import { generateId, idTimeMs } from '../../src/model/generateId.js';
import { fnv1a, shardFor } from '../../src/model/shardFor.js';
import { isoSeconds } from '../../src/model/now.js';
import { intentFiles, intentName, preparedLockWriter, tempFileTarget, tempFileWriter } from '../../src/store/file/storeFiles.js';

describe('ids', () => {
  it('have the SwarmSH form and strictly increase within a process', () => {
    const ids = Array.from({ length: 5000 }, () => generateId('work'));
    for (const id of ids) expect(id).toMatch(/^work_\d{19}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i]!.slice(5)) > BigInt(ids[i - 1]!.slice(5))).toBe(true);
    expect(generateId('agent')).toMatch(/^agent_\d{19}$/);
  });

  it('encode the creation time', () => {
    const id = generateId('work');
    expect(Math.abs(idTimeMs(id) - Date.now())).toBeLessThan(60_000);
  });

  it('are unique across processes started at the same moment (pid in the low digits)', async () => {
    const script = `const {generateId}=await import(${JSON.stringify(new URL('../../dist/model/generateId.js', import.meta.url).href)});
      const a=[];for(let i=0;i<2000;i++)a.push(generateId('work'));console.log(a.join('\\n'))`;
    const runOne = () =>
      new Promise<string>((done) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.on('close', () => done(out));
      });
    const outs = await Promise.all(Array.from({ length: 6 }, runOne));
    const all = outs.flatMap((o) => o.trim().split('\n'));
    expect(all.length).toBe(12_000);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('shard routing', () => {
  it('is stable and spreads ids evenly', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c); // FNV-1a reference value
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardFor(generateId('work'), 8)]++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
    expect(shardFor('work_1', 8)).toBe(shardFor('work_1', 8));
  });
});

describe('backoff', () => {
  it('doubles per attempt, is capped, and is jittered into [0.5, 1.5) of the step', () => {
    expect(backoffDelay(0, 10, 1000, () => 0.5)).toBe(10);
    expect(backoffDelay(3, 10, 1000, () => 0.5)).toBe(80);
    expect(backoffDelay(20, 10, 1000, () => 0.5)).toBe(1000);
    expect(backoffDelay(3, 10, 1000, () => 0)).toBe(40);
    expect(backoffDelay(3, 10, 1000, () => 0.999)).toBe(120);
  });
});

describe('config', () => {
  it('layers defaults, env, then explicit options', () => {
    const c = resolveConfig({}, { COORDINATION_DIR: '/x', FLOCK_TIMEOUT: '2.5', WORK_QUEUE_SHARDING: '16', AGENT_ID: 'agent_7' });
    expect(c.dir).toBe('/x');
    expect(c.lock.timeoutMs).toBe(2500);
    expect(c.shards).toBe(16);
    expect(c.agentId).toBe('agent_7');
    expect(resolveConfig({ shards: 4 }, { WORK_QUEUE_SHARDING: '16' }).shards).toBe(4);
    expect(resolveConfig({}, {}).dir).toBe('./agent_coordination');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it.each([
    ['WORK_QUEUE_SHARDING', '0'],
    ['WORK_QUEUE_SHARDING', 'four'],
    ['FLOCK_TIMEOUT', 'soon'],
    ['FLOCK_RETRIES', '-1'],
    ['SWARMFILE_FSYNC', 'maybe'],
  ])('refuses %s=%s with INVALID_INPUT', (key, value) => {
    expect(() => resolveConfig({}, { [key]: value })).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('never lets a lock go stale faster than 2 s', () => {
    expect(resolveConfig({}, { LOCK_STALE_MS: '10' }).lock.staleMs).toBe(2000);
  });
});

describe('store file names', () => {
  it('round-trip the files an intent touches', () => {
    const n = intentName('1-2-3', ['work_claims.003.json', 'work_completed.003.jsonl']);
    expect(intentFiles(n)).toEqual(['work_claims.003.json', 'work_completed.003.jsonl']);
    expect(intentFiles(intentName('x', Array.from({ length: 40 }, (_, i) => `work_claims.${i}.json`)))).toEqual(['*']);
    expect(intentFiles('work_claims.003.json')).toBeNull();
  });

  it('recognise write-file-atomic temp files but not store files or locks', () => {
    // <pid hex><8 random hex>: pid 0x3f1 = 1009
    expect(tempFileTarget('work_claims.003.json.3f11a2b3c4d')).toBe('work_claims.003.json');
    expect(tempFileWriter('work_claims.003.json.3f11a2b3c4d')).toBe(0x3f1);
    expect(preparedLockWriter('work_claims.003.json.lock.rs-0a1b2c3d4e5f.new')).toBe(parseInt('rs', 36));
    for (const f of ['work_claims.003.json', 'work_completed.003.jsonl', 'agent_stats.001.json', 'work_claims.003.json.lock', 'swarmfile.json']) {
      expect(tempFileTarget(f)).toBeNull();
    }
  });
});

describe('errors and time', () => {
  it('map codes to distinct documented exit statuses', () => {
    const s = (c: keyof typeof ERROR_CODES) => new SwarmError(c, 'x').exitStatus;
    const distinct = new Set([s('INVALID_INPUT'), s('NOT_FOUND'), s('WRONG_STATE'), s('LOCK_TIMEOUT')]);
    expect(distinct.size).toBe(4);
    expect(exitStatusFor(new Error('boom'))).toBe(70);
  });

  it('formats timestamps like SwarmSH (seconds, Z)', () => {
    expect(isoSeconds(Date.UTC(2026, 10, 23, 1, 2, 3, 456))).toBe('2026-11-23T01:02:03Z');
  });
});
