/**
 * Issue 16: a new user's first day. Each test is one defect found by trying the README as a
 * new user would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runSync, storeEnv, tempDir } from '../support/index.js';

describe('issue 16', () => {
  it('1. a store path that cannot be created ends at once with a clear error (no endless loop)', () => {
    const r = spawnSync(process.execPath, [CLI, 'claim', 'feature', 'x'], { env: { ...storeEnv('/proc/nope') }, encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull(); // not killed by the timeout
    expect(r.status).toBe(11);
    expect(r.stderr).toContain('[IO_ERROR]');
    expect(r.stderr).toContain('/proc/nope');
  });

  it('1. a removed working directory ends at once with a clear error', () => {
    const gone = join(tempDir(), 'gone');
    mkdirSync(gone);
    const env = storeEnv('./agent_coordination');
    const r = spawnSync('sh', ['-c', `cd "${gone}" && rmdir "${gone}" && exec "${process.execPath}" "${CLI}" claim feature x`], { env, encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(11);
    expect(r.stderr).toMatch(/current directory no longer exists/);
  });

  it('3. read commands on a missing store say so (exit 3) and create nothing; writes create it and say so once', () => {
    const base = tempDir();
    const dir = join(base, 'typo');
    const env = storeEnv(dir);
    for (const args of [['list'], ['show', 'work_1'], ['dashboard'], ['ready'], ['agents'], ['fsck'], ['telemetry', 'stats'], ['telemetry', 'query'], ['telemetry', 'verify']]) {
      const r = runSync(args, env);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain('[NOT_FOUND]');
    }
    expect(readdirSync(base)).toEqual([]);
    const first = runSync(['claim', 'feature', 'x'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`created a new file store at ${dir}`);
    expect(runSync(['claim', 'feature', 'y'], env).stderr).not.toContain('created');
    expect(existsSync(dir)).toBe(true);
  });

  it('4. --status takes the dashboard’s words and refuses unknown statuses with the valid ones', () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    const queued = runSync(['-q', 'add', 'feature', 'q'], env).stdout.trim();
    runSync(['-q', 'claim', 'feature', 'c'], env);
    expect(JSON.parse(runSync(['--json', 'list', '--status', 'queued'], env).stdout).map((w: { work_item_id: string }) => w.work_item_id)).toEqual([queued]);
    const bad = runSync(['list', '--status', 'activ'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[INVALID_INPUT]');
    expect(bad.stderr).toMatch(/pending, waiting, dead, active, completed, cancelled/);
  });

  it('6. a token that was never issued is not called stale', () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    const id = runSync(['-q', 'claim', 'feature', 'x'], env).stdout.trim();
    const r = runSync(['progress', id, '10', '--token', '99'], env);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/never issued/);
    expect(r.stderr).not.toMatch(/stale/);
  });

  it.each([['clam'], ['list', '--bogus'], ['show'], ['show', 'a', 'b'], ['telemetry', 'statz']])('7. usage error %j has the documented form', (...args) => {
    const r = runSync(args, storeEnv(join(tempDir(), 'store')));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^coordination_helper: error \[USAGE\]: /);
  });

  it('8. an IO error names its code once', () => {
    const r = runSync(['claim', 'feature', 'x'], storeEnv(join(tempDir(), 'not-a-dir', 'store')));
    expect(r.code).toBe(0);
    const file = join(tempDir(), 'file');
    require('node:fs').writeFileSync(file, '');
    const bad = runSync(['claim', 'feature', 'x'], storeEnv(join(file, 'store')));
    expect(bad.code).toBe(11);
    expect(bad.stderr).toMatch(/ENOTDIR/);
    expect(bad.stderr).not.toMatch(/(E[A-Z]+): \1:/);
  });
});
