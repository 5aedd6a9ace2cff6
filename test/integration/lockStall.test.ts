/**
 * Issue 15, items 2, 3, 10, 11 and 16: a holder stalled past the stale limit, then resumed, must
 * never write under a lock someone else holds. Stalls are real: a rename(2) delayed by strace's
 * fault injection, or the store's SWARMFILE_STALL_AT hook (SIGSTOP at a commit step). Every test
 * checks what was acknowledged against the files.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runSync, storeEnv, tempDir, type CliResult } from '../support/index.js';
import { assertConsistent, assertExactlyOnce, readStore } from '../support/storeInvariants.mjs';

const HAS_STRACE = spawnSync('strace', ['-V']).status === 0;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
});

function start(cmd: string, args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(cmd, args, { env });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function until(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  for (const t0 = Date.now(); !cond(); ) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stopped = (pid: number) => {
  try {
    return / T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/, ''));
  } catch {
    return false;
  }
};

function oneShardStore() {
  const dir = join(tempDir(), 'store');
  const env = storeEnv(dir, { WORK_QUEUE_SHARDING: '1', LOCK_STALE_MS: '2000', FLOCK_TIMEOUT: '60' });
  return { dir, env };
}

/** The ordinal of the rename that commits a `claim` on a store like `dir` (strace's when=). */
function shardRenameOrdinal(env: Record<string, string>): number {
  const probe = oneShardStore();
  const penv = { ...env, COORDINATION_DIR: probe.dir, TELEMETRY_DIR: `${probe.dir}-telemetry` };
  expect(runSync(['-q', 'claim', 'feature', 'seed'], penv).code).toBe(0);
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=rename', process.execPath, CLI, '-q', 'claim', 'feature', 'probe'], { env: penv, encoding: 'utf8' });
  const renames = r.stderr.split('\n').filter((l) => /rename\(/.test(l));
  // The commit point: the rename of its intent (a claim commits its change-log event with it), else of the shard.
  const at = renames.findIndex((l) => /(txn-[^"]*\.intent|work_claims\.000\.json)"\)/.test(l));
  expect(at).toBeGreaterThanOrEqual(0);
  return at + 1;
}

describe.skipIf(!HAS_STRACE)('a holder stalled in rename(2) past the stale limit (strace fault injection)', () => {
  async function stalledClaim(hung: 'kill' | 'wait', bTimeout: string) {
    const { dir, env } = oneShardStore();
    const seeded = runSync(['-q', 'claim', 'feature', 'seed'], env).stdout.trim();
    const n = shardRenameOrdinal(env);
    // A: its rename of the shard is delayed 8 s, while it holds the shard's lock.
    const a = start('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=rename', '-e', `inject=rename:delay_enter=8000000:when=${n}`, process.execPath, CLI, '-q', 'claim', 'feature', 'A'], {
      ...env,
      AGENT_ID: 'agent_a',
      LOCK_HUNG_ACTION: hung,
    });
    await until('A to hold the lock with its commit written', () => readdirSync(dir).some((f) => /^(work_claims\.000\.json|txn-.*\.intent)\.[0-9a-f]{9,}$/.test(f)));
    const b = runSync(['-q', 'claim', 'feature', 'B'], { ...env, AGENT_ID: 'agent_b', LOCK_HUNG_ACTION: hung, FLOCK_TIMEOUT: bTimeout });
    const ra = await a.done;
    return { dir, env, seeded, ra, b };
  }

  it('kill: the waiter kills the stalled holder and takes over; the holder never writes afterwards', async () => {
    const { dir, env, seeded, ra, b } = await stalledClaim('kill', '60');
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/killed pid \d+/);
    const acked = [seeded, b.stdout.trim(), ...(ra.code === 0 ? [ra.stdout.trim()] : [])];
    expect(ra.code).not.toBe(0); // it was killed mid-claim and acknowledged nothing
    const c = runSync(['-q', 'claim', 'feature', 'C'], env);
    expect(c.code).toBe(0);
    acked.push(c.stdout.trim());
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, acked);
    expect(runSync(['audit'], env).code).toBe(0);
  });

  it('wait: the waiter times out having written nothing; the holder resumes and commits', async () => {
    const { dir, env, seeded, ra, b } = await stalledClaim('wait', '1');
    expect(b.code).toBe(5);
    expect(b.stderr).toContain('[LOCK_TIMEOUT]');
    expect(ra.code).toBe(0);
    const c = runSync(['-q', 'claim', 'feature', 'C'], env);
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [seeded, ra.stdout.trim(), c.stdout.trim()]);
  });
});

describe('a holder stopped (SIGSTOP) in the middle of a commit', () => {
  function twoClaims() {
    const { dir, env } = oneShardStore();
    const idA = runSync(['-q', 'claim', 'feature', 'A', 'high', 'red'], { ...env, AGENT_ID: 'agent_a' }).stdout.trim();
    const idB = runSync(['-q', 'claim', 'feature', 'B', 'high', 'red'], { ...env, AGENT_ID: 'agent_b' }).stdout.trim();
    return { dir, env, idA, idB };
  }

  it('kill: stopped after its intent, it is killed; its committed change and the waiter’s both stand', async () => {
    const { dir, env, idA, idB } = twoClaims();
    const a = start(process.execPath, [CLI, 'complete', idA, 'success', '3'], { ...env, AGENT_ID: 'agent_a', SWARMFILE_STALL_AT: 'after-intent' });
    await until('A to stop', () => stopped(a.child.pid!));
    const b = runSync(['complete', idB, 'success', '4'], { ...env, AGENT_ID: 'agent_b' });
    expect(b.code).toBe(0);
    expect((await a.done).signal).toBe('SIGKILL');
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [idA, idB]);
    // A's intent was durable, so its completion happened (replayed by B), unacknowledged but whole.
    expect(store.completed.get(idA)?.velocity_points).toBe(3);
    expect(store.completed.get(idB)?.velocity_points).toBe(4);
    expect(store.statsTeams.get('red')).toEqual({ tasks_completed: 2, velocity_points: 7 });
  });

  it('wait: a stopped holder keeps its locks; the waiter fails cleanly; resumed, the holder finishes', async () => {
    const { dir, env, idA, idB } = twoClaims();
    const a = start(process.execPath, [CLI, 'complete', idA, 'success', '3'], { ...env, AGENT_ID: 'agent_a', SWARMFILE_STALL_AT: 'after-intent', LOCK_HUNG_ACTION: 'wait' });
    await until('A to stop', () => stopped(a.child.pid!));
    const b = runSync(['complete', idB, 'success', '4'], { ...env, AGENT_ID: 'agent_b', LOCK_HUNG_ACTION: 'wait', FLOCK_TIMEOUT: '3' });
    expect(b.code).toBe(5);
    a.child.kill('SIGCONT');
    expect((await a.done).code).toBe(0);
    expect(runSync(['complete', idB, 'success', '4'], { ...env, AGENT_ID: 'agent_b' }).code).toBe(0);
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [idA, idB]);
    expect(store.statsTeams.get('red')).toEqual({ tasks_completed: 2, velocity_points: 7 });
  });

  it('a recoverer stopped while replaying an orphaned intent is killed, and the next one replays it whole', async () => {
    const { dir, env, idA, idB } = twoClaims();
    expect(runSync(['complete', idA, 'success', '3'], { ...env, AGENT_ID: 'agent_a', SWARMFILE_CRASH_AT: 'after-intent' }).signal).toBe('SIGKILL');
    const r = start(process.execPath, [CLI, 'show', idA], { ...env, SWARMFILE_STALL_AT: 'before-replay' });
    await until('the recoverer to stop', () => stopped(r.child.pid!));
    const b = runSync(['complete', idB, 'success', '4'], { ...env, AGENT_ID: 'agent_b' });
    expect(b.code).toBe(0);
    expect((await r.done).signal).toBe('SIGKILL');
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [idA, idB]);
    expect(store.statsTeams.get('red')).toEqual({ tasks_completed: 2, velocity_points: 7 });
  });
});

describe('a commit whose intent is durable is reported done (issue 15, item 10)', () => {
  it('complete exits 0 when applying fails after the intent, and the next command applies it', () => {
    const { dir, env } = oneShardStore();
    const id = runSync(['-q', 'claim', 'feature', 'x', 'high', 'red'], env).stdout.trim();
    const r = runSync(['complete', id, 'success', '6'], { ...env, SWARMFILE_FAIL_AT: 'apply' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/committed .* not yet applied/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.intent'))).toHaveLength(1);
    const shown = runSync(['--json', 'show', id], env);
    expect(JSON.parse(shown.stdout).status).toBe('completed');
    const store = readStore(dir);
    assertConsistent(store);
    expect(store.completed.get(id)?.velocity_points).toBe(6);
    expect(readdirSync(dir).filter((f) => f.endsWith('.intent'))).toEqual([]);
  });
});

describe('a running import’s temporary intent is not anyone else’s to remove (issue 15, item 11)', () => {
  it('import-swarmsh stopped before renaming its every-file intent in survives other commands and imports each item once', async () => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    const src = join(tempDir(), 'swarmsh');
    mkdirSync(src);
    const ids = Array.from({ length: 40 }, (_, i) => `work_17000000000000${String(i).padStart(5, '0')}`);
    writeFileSync(join(src, 'work_claims.json'), JSON.stringify(ids.map((id) => ({ work_item_id: id, agent_id: 'agent_old', work_type: 'feature', description: id, priority: 'medium', team: 'old', status: 'active' }))));
    const c = start(process.execPath, [CLI, 'import-swarmsh', src], { ...env, SWARMFILE_STALL_AT: 'before-rename-intent' });
    await until('import to stop', () => stopped(c.child.pid!));
    const during: string[] = [];
    // add needs only a backlog segment's lock, not the shards the import holds.
    for (let i = 0; i < 3; i++) {
      const r = runSync(['-q', 'add', 'feature', `during ${i}`], env);
      expect(r.code).toBe(0);
      during.push(r.stdout.trim());
    }
    c.child.kill('SIGCONT');
    const done = await c.done;
    expect(done.stderr).not.toMatch(/error|warning/);
    expect(done.code).toBe(0);
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [...ids, ...during]);
  });
});
