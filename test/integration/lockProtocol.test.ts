/**
 * The lock protocol (src/lock/): a lock is removed only by its holder or after its holder is
 * certainly gone; a live holder keeps it however its clock or its scheduling looks; a hung one is
 * killed (LOCK_HUNG_ACTION=kill) or waited for (wait), never raced. Holders are real processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, newLockStats } from '../../src/lock/acquireLocks.js';
import type { LockConfig } from '../../src/config.js';
import { isSwarmError } from '../../src/errors.js';
import { ROOT, tempDir } from '../support/index.js';

const cfg = (over: Partial<LockConfig> = {}): LockConfig => ({ timeoutMs: 3000, retries: 1_000_000, backoffMs: 2, backoffMaxMs: 50, staleMs: 60_000, hungAction: 'kill', ...over });
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

interface Holder {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  /** Asks the holder whether its lock is still its own. */
  ask(): Promise<'still-held' | 'lost'>;
}

function holder(file: string, staleMs = 60_000): Promise<Holder> {
  const child = spawn(process.execPath, [join(ROOT, 'test/support/workers/lockHolder.mjs'), join(ROOT, 'dist'), file, String(staleMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  // A holder that dies instead of answering fails the test at once, saying how it ended.
  const next = () =>
    new Promise<string>((resolve, reject) => {
      if (lines.length) return resolve(lines.shift()!);
      waiters.push(resolve);
      void exited.then((how) => reject(new Error(`the lock holder exited (${how}) before answering`)));
    });
  return new Promise((resolve, reject) => {
    next().then((first) => (first === 'held' ? resolve({ child, exited, ask: () => (child.kill('SIGUSR2'), next() as Promise<'still-held' | 'lost'>) }) : reject(new Error(first))), reject);
    child.once('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
}

const entryOf = (file: string) => {
  const names = readdirSync(`${file}.lock`).filter((n) => n.startsWith('owner.'));
  expect(names).toHaveLength(1);
  return join(`${file}.lock`, names[0]!);
};

describe('lock protocol', () => {
  it('records the holder inside the lock, atomically with its creation', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file);
    const owner = JSON.parse(readFileSync(entryOf(file), 'utf8'));
    expect(owner.pid).toBe(h.child.pid);
    expect(typeof owner.token).toBe('string');
    expect(entryOf(file).endsWith(owner.token)).toBe(true);
  });

  it('takes over the lock of a SIGKILLed holder at once, not after the stale limit', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file);
    h.child.kill('SIGKILL');
    await h.exited;
    const stats = newLockStats();
    // The stale limit is 60 s and the timeout 3 s: only the pid rule can get this lock.
    const lock = await acquireLock(file, cfg(), stats);
    expect(stats.takeovers).toBe(1);
    expect(lock.stillHeld()).toBe(true);
    await lock.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over the lock of a zombie holder (dead, not yet reaped by its parent)', async () => {
    const file = join(tempDir(), 'data.json');
    // sh starts the holder, then becomes `sleep`, which never reaps it: killed, it stays a zombie.
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${join(ROOT, 'test/support/workers/lockHolder.mjs')}" "${join(ROOT, 'dist')}" "${file}" & echo $!; exec sleep 60`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(sh);
    const pid = Number(await new Promise<string>((r) => sh.stdout!.once('data', (d: Buffer) => r(d.toString().trim()))));
    for (let i = 0; i < 500 && !existsSync(`${file}.lock`); i++) await new Promise((r) => setTimeout(r, 20));
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 500 && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\) Z /);
    const lock = await acquireLock(file, cfg(), newLockStats());
    await lock.release();
  });

  it('LOCK_HUNG_ACTION=wait: a stopped holder keeps its lock; waiters time out; resumed, it still holds it', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file, 2000);
    h.child.kill('SIGSTOP');
    const err = await acquireLock(file, cfg({ staleMs: 2000, timeoutMs: 4000, hungAction: 'wait' }), newLockStats()).catch((e: unknown) => e);
    expect(isSwarmError(err, 'LOCK_TIMEOUT')).toBe(true);
    h.child.kill('SIGCONT');
    expect(await h.ask()).toBe('still-held');
  });

  it('LOCK_HUNG_ACTION=kill: a holder silent past the stale limit is killed first, then its lock is taken', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file, 2000);
    h.child.kill('SIGSTOP');
    const stats = newLockStats();
    const lock = await acquireLock(file, cfg({ staleMs: 2000, timeoutMs: 20_000 }), stats);
    expect(await h.exited).toBe('SIGKILL');
    expect(stats.kills).toBe(1);
    await lock.release();
  });

  it('a running holder whose lock looks old by the wall clock (clock stepped forward) is never killed', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file, 6000);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(entryOf(file), hourAgo, hourAgo);
    const stats = newLockStats();
    // It refreshes every stale/6 (1 s): a waiter watching for 8 s sees signs of life and keeps waiting.
    const err = await acquireLock(file, cfg({ staleMs: 6000, timeoutMs: 8000 }), stats).catch((e: unknown) => e);
    expect(isSwarmError(err, 'LOCK_TIMEOUT')).toBe(true);
    expect(stats.kills).toBe(0);
    expect(await h.ask()).toBe('still-held');
  });

  it('a hung holder whose lock looks new (clock stepped back) is still recognised, on the waiter’s own clock', async () => {
    const file = join(tempDir(), 'data.json');
    const h = await holder(file, 2000);
    h.child.kill('SIGSTOP');
    const inAnHour = new Date(Date.now() + 3600_000);
    utimesSync(entryOf(file), inAnHour, inAnHour);
    const lock = await acquireLock(file, cfg({ staleMs: 2000, timeoutMs: 20_000 }), newLockStats());
    expect(await h.exited).toBe('SIGKILL');
    await lock.release();
  });

  it('a holder busy with synchronous I/O (a long CLI operation, timers starved) is alive, not hung', async () => {
    const file = join(tempDir(), 'data.json');
    const child = spawn(process.execPath, [join(ROOT, 'test/support/workers/busyHolder.mjs'), join(ROOT, 'dist'), file, '2000', '6000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 500 && !out.includes('held'); i++) await new Promise((r) => setTimeout(r, 10));
    const stats = newLockStats();
    const err = await acquireLock(file, cfg({ staleMs: 2000, timeoutMs: 4000 }), stats).catch((e: unknown) => e);
    expect(isSwarmError(err, 'LOCK_TIMEOUT')).toBe(true);
    expect(stats.kills).toBe(0);
    expect(await exited).toBe(0);
    expect(out).toBe('held\ndone\n');
  });

  it('release removes only its own entry: a lock that is no longer ours stays with its new holder', async () => {
    const file = join(tempDir(), 'data.json');
    const a = await acquireLock(file, cfg(), newLockStats());
    // Someone (an operator, a repair) removes a's lock; b then takes the lock.
    const entry = entryOf(file);
    unlinkSync(entry);
    rmdirSync(`${file}.lock`);
    const b = await acquireLock(file, cfg(), newLockStats());
    expect(a.stillHeld()).toBe(false);
    await a.release();
    expect(b.stillHeld()).toBe(true);
    await b.release();
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('refuses a symlink planted at the lock path and leaves its target alone', async () => {
    const dir = tempDir();
    const file = join(dir, 'data.json');
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'keep'), 'keep');
    symlinkSync(elsewhere, `${file}.lock`);
    const err = await acquireLock(file, cfg(), newLockStats()).catch((e: unknown) => e);
    expect(isSwarmError(err, 'IO_ERROR')).toBe(true);
    expect(readdirSync(elsewhere)).toEqual(['keep']);
    expect(readdirSync(dir).sort()).toEqual(['data.json.lock', 'elsewhere']);
  });
});
