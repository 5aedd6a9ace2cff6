/**
 * A SIGKILLed holder's lock is taken over at once (its owner record names a process that is gone),
 * not after LOCK_STALE_MS; a live holder's lock, even a stopped one, is never taken early.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, newLockStats } from '../../src/lock/acquireLocks.js';
import { isSwarmError } from '../../src/errors.js';
import { ROOT, tempDir } from '../helpers/cli.js';

const cfg = { timeoutMs: 3000, retries: 1_000_000, backoffMs: 2, backoffMaxMs: 50, staleMs: 60_000 };
const children: ChildProcess[] = [];

function holder(file: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'test/helpers/lockHolder.mjs'), join(ROOT, 'dist'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('lock owner records', () => {
  it('takes over the lock of a SIGKILLed holder long before the stale limit', async () => {
    const file = join(tempDir(), 'data.json');
    const child = await holder(file);
    expect(existsSync(`${file}.lock.owner`)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The stale limit is 60 s and the timeout 3 s: only the owner rule can get this lock.
    const lock = await acquireLock(file, cfg, newLockStats());
    expect(lock.isFresh()).toBe(true);
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
    expect(existsSync(`${file}.lock.owner`)).toBe(false);
  });

  it('never takes a live holder’s lock early, even while the holder is stopped', async () => {
    const file = join(tempDir(), 'data.json');
    const child = await holder(file);
    child.kill('SIGSTOP');
    try {
      const err = await acquireLock(file, { ...cfg, timeoutMs: 1000 }, newLockStats()).catch((e: unknown) => e);
      expect(isSwarmError(err, 'LOCK_TIMEOUT')).toBe(true);
    } finally {
      child.kill('SIGCONT');
    }
  });
});
