/**
 * Issue 15, item 8: a command whose answer cannot be written (stdout on a full disk: /dev/full)
 * fails (IO_ERROR, exit 11, said on stderr), and a claim whose id was lost is given back.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runSync, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

function toDevFull(args: string[], env: Record<string, string>) {
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [CLI, ...args], { env, stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr };
  } finally {
    closeSync(full);
  }
}

const statuses = (env: Record<string, string>) => (JSON.parse(runSync(['--json', 'list', '--all'], env).stdout) as { work_item_id: string; status: string }[]).map((i) => i.status);

describe('stdout that cannot be written', () => {
  it('claim-next > /dev/full exits 11 and the item is back in the backlog, claimable', () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    const id = runSync(['-q', 'add', 'feature', 'a'], env).stdout.trim();
    const r = toDevFull(['claim-next'], env);
    expect(r.code).toBe(11);
    expect(r.stderr).toContain('[IO_ERROR]');
    expect(r.stderr).toContain(id);
    expect(statuses(env)).toEqual(['pending']);
    expect(runSync(['-q', 'claim-next'], env).stdout.trim()).toBe(id);
    assertConsistent(readStore(dir));
  });

  it('claim > /dev/full exits 11 and the unknown claim is cancelled, not left active', () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    for (const args of [['claim', 'feature', 'b'], ['--json', 'claim', 'feature', 'c'], ['-q', 'claim', 'feature', 'd']]) {
      const r = toDevFull(args, env);
      expect(r.code).toBe(11);
      expect(r.stderr).toContain('[IO_ERROR]');
    }
    expect(statuses(env)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    assertConsistent(readStore(dir));
  });

  it.each([['add', 'feature', 'e'], ['list'], ['--json', 'list'], ['dashboard'], ['show', 'ID']])('%s > /dev/full exits 11', (...args) => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    const id = runSync(['-q', 'add', 'feature', 'seed'], env).stdout.trim();
    const r = toDevFull(args.map((a) => (a === 'ID' ? id : a)), env);
    expect(r.code).toBe(11);
    expect(r.stderr).toContain('[IO_ERROR]');
  });
});
