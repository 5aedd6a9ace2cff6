/**
 * Issue 15, item 13: the store never follows a symlink, never echoes another file's content in an
 * error, and creates its files with the user's umask.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runSync, storeEnv, tempDir } from '../support/index.js';

const SECRET = 'root:x:0:0:SECRET-CONTENT:/root:/bin/bash\n';

function store() {
  const base = tempDir();
  const dir = join(base, 'store');
  const env = storeEnv(dir, { WORK_QUEUE_SHARDING: '1' });
  const secret = join(base, 'secret');
  writeFileSync(secret, SECRET);
  const id = runSync(['-q', 'claim', 'feature', 'first', 'high', 'red'], env).stdout.trim();
  expect(id).toMatch(/^work_/);
  return { dir, env, secret, id };
}

/** Replaces a store file by a symlink to the secret file. */
function plant(dir: string, file: string, secret: string) {
  if (existsSync(join(dir, file))) unlinkSync(join(dir, file));
  symlinkSync(secret, join(dir, file));
}

describe('symlinks planted in the store', () => {
  it.each([
    ['work_claims.000.json', ['claim', 'feature', 'second']],
    ['agent_status.json', ['register', 'agent_x']],
    ['work_completed.000.jsonl', ['complete', 'ID']],
    ['agent_stats.000.json', ['complete', 'ID']],
  ])('%s -> a file outside: %s is refused, nothing is written through the link, nothing echoed', (file, args) => {
    const { dir, env, secret, id } = store();
    if (file === 'agent_status.json') expect(runSync(['register', 'agent_y'], env).code).toBe(0);
    if (file === 'work_completed.000.jsonl') {
      const other = runSync(['-q', 'claim', 'feature', 'other'], env).stdout.trim();
      expect(runSync(['complete', other], env).code).toBe(0);
    }
    plant(dir, file, secret);
    const r = runSync(args.map((a) => (a === 'ID' ? id : a)), env);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('[STORE_CORRUPT]');
    expect(r.stderr).toContain('symbolic link');
    expect(r.stderr + r.stdout).not.toMatch(/SECRET|root:x/);
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
    expect(lstatSync(join(dir, file)).isSymbolicLink()).toBe(true);
    // No committed-but-unappliable change was left behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.intent'))).toEqual([]);
  });

  it('a damaged file is reported without quoting its content (failing its target, or passed by with a warning)', () => {
    const { dir, env } = store();
    writeFileSync(join(dir, 'work_claims.000.json'), SECRET);
    const claim = runSync(['claim', 'feature', 'x'], env);
    expect(claim.code).toBe(9);
    expect(claim.stderr).not.toMatch(/SECRET|root:x/);
    const list = runSync(['list'], env);
    expect(list.code).toBe(0);
    expect(list.stderr).toContain('work_claims.000.json');
    expect(list.stderr + list.stdout).not.toMatch(/SECRET|root:x/);
  });

  it('a symlinked shard is passed by with a warning by list, and not followed', () => {
    const { dir, env, secret } = store();
    plant(dir, 'work_claims.000.json', secret);
    const r = runSync(['list'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*symbolic link/);
    expect(r.stderr + r.stdout).not.toMatch(/SECRET|root:x/);
  });
});

describe('file modes', () => {
  it('store files follow the umask (077 gives 0600), not a forced 0644', () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { WORK_QUEUE_SHARDING: '1' });
    const r = spawnSync('sh', ['-c', `umask 077; exec "${process.execPath}" "${CLI}" -q claim feature private`], { env, encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const f of ['work_claims.000.json', 'swarmfile.json']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });
});
