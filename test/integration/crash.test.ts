/**
 * SIGKILL in the middle of operations. Deterministic: the store's test hook SWARMFILE_CRASH_AT
 * kills the process at each step of a commit. Random: a chaos loop SIGKILLs CLI processes at
 * arbitrary moments while agents work. Afterwards every command sees each operation whole or not
 * at all, and repairs leftovers by itself.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, run, runSync, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

function fresh() {
  const dir = join(tempDir(), 'store');
  return { dir, env: storeEnv(dir, { AGENT_ID: 'agent_c' }) };
}

describe('SIGKILL at each step of a commit', () => {
  it.each([
    ['before-commit', 'active'],
    ['after-intent', 'completed'],
    ['after-op-0', 'completed'],
    ['after-op-1', 'completed'],
    ['after-op-2', 'completed'],
  ])('complete killed at %s: the next command sees %s, whole', (step, expected) => {
    const { dir, env } = fresh();
    const id = runSync(['-q', 'claim', 'feature', 'crash me', 'high', 'red'], env).stdout.trim();
    const killed = runSync(['complete', id, 'success', '7'], { ...env, SWARMFILE_CRASH_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    // The very next command (a reader) repairs what was left, waiting out the stale lock.
    const shown = runSync(['--json', 'show', id], env);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).status).toBe(expected);
    const again = runSync(['complete', id, 'success', '7'], env);
    expect(again.code).toBe(expected === 'completed' ? 4 : 0);
    const store = readStore(dir);
    assertConsistent(store);
    expect(store.completed.get(id)?.velocity_points).toBe(7);
    expect(store.statsTeams.get('red')).toEqual({ tasks_completed: 1, velocity_points: 7 });
    expect(store.leftovers.filter((f) => f.endsWith('.intent'))).toEqual([]);
    // The change log has the completion exactly once, whichever call made it (issue 10).
    const audit = runSync(['--json', 'audit'], env);
    expect(audit.code, audit.stderr).toBe(0);
    const completions = runSync(['--json', 'events', '--type', 'completed'], env).stdout.trim().split('\n').filter(Boolean);
    expect(completions.length).toBe(1);
  });

  // With the change log (issue 10) a progress commits its event with it, through an intent.
  it.each(['before-commit', 'after-intent', 'after-op-0', 'after-op-1'])('claim and progress killed at %s leave the old or the new state, never a torn one', (step) => {
    const { dir, env } = fresh();
    const id = runSync(['-q', 'claim', 'feature', 'p'], env).stdout.trim();
    const killed = runSync(['progress', id, '60'], { ...env, SWARMFILE_CRASH_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    const after = JSON.parse(runSync(['--json', 'show', id], env).stdout);
    expect(after.progress).toBe(step === 'before-commit' ? 0 : 60);
    const k2 = runSync(['claim', 'feature', 'q'], { ...env, SWARMFILE_CRASH_AT: step });
    expect(k2.signal).toBe('SIGKILL');
    // A later write to the same shards takes over the dead holder's locks (stale after 2 s).
    expect(runSync(['progress', id, '70'], env).code).toBe(0);
    assertConsistent(readStore(dir));
    const audit = runSync(['audit'], env);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    const progressed = runSync(['--json', 'events', '--type', 'progressed'], env).stdout.trim().split('\n').map((l) => JSON.parse(l).progress);
    expect(progressed).toEqual(step === 'before-commit' ? [70] : [60, 70]);
  });
});

describe('SIGKILL at each step of a work-queue move', () => {
  /** Every unfinished and finished item, by id, as the CLI reports them (after replaying intents). */
  const places = (env: Record<string, string>) => {
    const items = JSON.parse(runSync(['--json', 'list', '--all'], env).stdout) as Array<{ work_item_id: string; status: string }>;
    return items.map((w) => `${w.work_item_id}:${w.status}`);
  };

  it.each([
    ['before-commit', 'pending'],
    ['after-intent', 'active'],
    ['after-op-0', 'active'],
    ['after-op-1', 'active'],
  ])('claim-next killed at %s: the item is %s, in exactly one place', (step, expected) => {
    const { dir, env } = fresh();
    const id = runSync(['-q', 'add', 'feature', 'queued'], env).stdout.trim();
    const killed = runSync(['claim-next'], { ...env, SWARMFILE_CRASH_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    expect(places(env)).toEqual([`${id}:${expected}`]);
    expect(readStore(dir).leftovers.filter((f) => f.endsWith('.intent'))).toEqual([]);
    // And it goes on from there: claimed once, completed once.
    if (expected === 'pending') expect(runSync(['-q', 'claim-next'], env).stdout.trim()).toBe(id);
    expect(runSync(['complete', id], env).code).toBe(0);
    expect(places(env)).toEqual([`${id}:completed`]);
  });

  it.each(['before-commit', 'after-intent', 'after-op-0', 'after-op-1'])('fail to the dead-letter list killed at %s: claimed or dead, never both or neither', (step) => {
    const { env } = fresh();
    const e1 = { ...env, MAX_RETRY_ATTEMPTS: '1' };
    const id = runSync(['-q', 'add', 'feature', 'doomed'], e1).stdout.trim();
    expect(runSync(['-q', 'claim-next'], e1).code).toBe(0);
    expect(runSync(['fail', id, 'broken'], { ...e1, SWARMFILE_CRASH_AT: step }).signal).toBe('SIGKILL');
    expect(places(e1)).toEqual([`${id}:${step === 'before-commit' ? 'active' : 'dead'}`]);
  });
});

describe('random SIGKILLs while agents work', () => {
  it('every reported success survives and the store stays consistent', async () => {
    const { dir, env } = fresh();
    const claimed = new Set<string>();
    const completed = new Set<string>();
    const pending: string[] = [];
    let kills = 0;
    const deadline = Date.now() + (process.env.CHAOS ? 150_000 : 15_000);

    const oneCall = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((done) => {
        const child = spawn(process.execPath, [CLI, '-q', ...args], { env });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        // Kill about a third of the calls at a random moment, mostly after start-up, inside the operation.
        if (Math.random() < 0.35) {
          setTimeout(() => {
            if (child.exitCode === null && child.kill('SIGKILL')) kills++;
          }, 40 + Math.random() * 120);
        }
        child.on('close', (code) => done({ code, stdout }));
      });

    const worker = async () => {
      while (Date.now() < deadline) {
        if (pending.length === 0 || Math.random() < 0.4) {
          const r = await oneCall(['claim', 'feature', 'chaos', 'low', `t${Math.floor(Math.random() * 3)}`]);
          if (r.code === 0) {
            claimed.add(r.stdout.trim());
            pending.push(r.stdout.trim());
          }
        } else {
          const id = pending.splice(Math.floor(Math.random() * pending.length), 1)[0]!;
          const op = Math.random() < 0.5 ? ['progress', id, '40'] : ['complete', id, 'success', '2'];
          const r = await oneCall(op);
          if (op[0] === 'complete' && r.code === 0) completed.add(id);
          else if (op[0] === 'complete' && r.code === 4) completed.add(id); // a killed complete that had committed
          else if (r.code === 0 || r.code === null) pending.push(id);
        }
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    expect(kills).toBeGreaterThan(10);

    // Reader repairs every orphaned intent (waiting out stale locks), then the files must agree.
    expect((await run(['list', '--json'], env)).code).toBe(0);
    const store = readStore(dir);
    assertConsistent(store);
    expect(store.leftovers.filter((f) => f.endsWith('.intent'))).toEqual([]);
    for (const id of claimed) expect(store.active.has(id) || store.completed.has(id), `claim ${id} lost`).toBe(true);
    for (const id of completed) expect(store.completed.has(id), `completion ${id} lost`).toBe(true);
    // Items whose complete was killed are either still active (can be completed now) or completed.
    for (const id of pending) {
      if (store.active.has(id)) expect((await run(['complete', id, 'success', '2'], env)).code).toBe(0);
    }
    assertConsistent(readStore(dir));
  });
});
