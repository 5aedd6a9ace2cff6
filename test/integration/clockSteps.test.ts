/**
 * Issue 15, item 12: a clock stepped back must not switch automatic reaping off. The lease scan is
 * throttled by `reap.stamp`'s mtime; a stamp from the future (written before the clock was set
 * back) counts as due. The stamp is never followed through a symlink.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, storeEnv, tempDir } from '../support/index.js';

/** A store whose one claim belongs to a process that has exited (reclaimable as process_gone). */
function storeWithOrphanedClaim() {
  const base = tempDir();
  const dir = join(base, 'store');
  const env = storeEnv(dir, { REAP_INTERVAL_MS: '60000' });
  const id = runSync(['-q', 'add', 'feature', 'orphan'], env).stdout.trim();
  // AGENT_PID of a process that is certainly gone: this CLI call's own pid, recorded, then exited.
  const claimed = runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_gone', AGENT_PID: '999999' });
  expect(claimed.stdout.trim()).toBe(id);
  return { base, dir, env, id };
}

describe('reap.stamp and clock steps', () => {
  it('a stamp dated an hour in the future does not stop claim-next from reclaiming', () => {
    const { dir, env, id } = storeWithOrphanedClaim();
    const future = new Date(Date.now() + 3600_000);
    utimesSync(join(dir, 'reap.stamp'), future, future);
    const r = runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_new' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(id);
    expect(lstatSync(join(dir, 'reap.stamp')).mtimeMs).toBeLessThan(Date.now() + 60_000);
  });

  it('a stamp from a minute ago still throttles (REAP_INTERVAL_MS=60000 not yet over)', () => {
    const { dir, env } = storeWithOrphanedClaim();
    const recent = new Date(Date.now() - 1000);
    utimesSync(join(dir, 'reap.stamp'), recent, recent);
    expect(runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_new' }).code).toBe(7);
  });

  it('a dangling symlink at reap.stamp is replaced, its target never created', () => {
    const { base, dir, env, id } = storeWithOrphanedClaim();
    const target = join(base, 'created-through-link');
    unlinkSync(join(dir, 'reap.stamp'));
    symlinkSync(target, join(dir, 'reap.stamp'));
    const r = runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_new' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(id);
    expect(existsSync(target)).toBe(false);
    expect(lstatSync(join(dir, 'reap.stamp')).isFile()).toBe(true);
  });

  it('a symlink at reap.stamp to an existing file leaves that file untouched', () => {
    const { base, dir, env } = storeWithOrphanedClaim();
    const target = join(base, 'keep');
    writeFileSync(target, 'keep');
    const old = new Date(Date.now() - 86_400_000);
    utimesSync(target, old, old);
    unlinkSync(join(dir, 'reap.stamp'));
    symlinkSync(target, join(dir, 'reap.stamp'));
    runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_new' });
    expect(readFileSync(target, 'utf8')).toBe('keep');
    expect(Math.abs(lstatSync(target).mtimeMs - old.getTime())).toBeLessThan(1000);
  });

  it('a directory planted at reap.stamp does not stop claim-next: it reaps anyway and warns', () => {
    const { dir, env, id } = storeWithOrphanedClaim();
    unlinkSync(join(dir, 'reap.stamp'));
    mkdirSync(join(dir, 'reap.stamp'));
    const r = runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_new' });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(id);
    expect(r.stderr).toMatch(/warning: .*reap\.stamp/);
  });
});
