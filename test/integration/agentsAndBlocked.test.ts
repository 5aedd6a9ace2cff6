/**
 * Issue 16, "Agents": `agents` shows the last sign of life (a completion counts), `unregister` and
 * `agents --prune` remove agents (claims refuse it unless --force, which releases them), and an
 * item waiting on a dead dependency is shown as blocked.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, assertExactlyOnce, readStore } from '../support/storeInvariants.mjs';

const fresh = (extra: Record<string, string> = {}) => {
  const dir = join(tempDir(), 'store');
  return { dir, env: storeEnv(dir, extra) };
};
type Agent = { agent_id: string; last_seen: string; registered_at: string };
const agents = (env: Record<string, string>) => JSON.parse(runSync(['--json', 'agents'], env).stdout) as Agent[];

describe('agents', () => {
  it('last_seen is the last sign of life, a completion included, not the registration', async () => {
    const { env } = fresh({ AGENT_ID: 'agent_a' });
    expect(runSync(['register', 'agent_a'], env).code).toBe(0);
    const registered = agents(env)[0]!.registered_at;
    // Two seconds later (timestamps are to the second), on a clock the test moves.
    const later = { ...env, SWARMFILE_CLOCK_OFFSET_MS: '2000' };
    const id = runSync(['-q', 'claim', 'feature', 'x'], later).stdout.trim();
    expect(runSync(['complete', id], later).code).toBe(0);
    const a = agents(env)[0]!;
    expect(Date.parse(a.last_seen)).toBeGreaterThan(Date.parse(registered));
  });

  it('unregister refuses an agent with live claims (exit 4); --force releases them back to the backlog', () => {
    const { dir, env } = fresh({ AGENT_ID: 'agent_b' });
    runSync(['register', 'agent_b'], env);
    runSync(['-q', 'add', 'feature', 'q'], env);
    const id = runSync(['-q', 'claim-next'], env).stdout.trim();
    const refused = runSync(['unregister', 'agent_b'], { ...env, AGENT_ID: 'operator' });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('[WRONG_STATE]');
    expect(agents(env).map((a) => a.agent_id)).toEqual(['agent_b']);
    expect(runSync(['unregister', 'agent_b', '--force'], { ...env, AGENT_ID: 'operator' }).code).toBe(0);
    expect(agents(env)).toEqual([]);
    expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).status).toBe('pending');
    const store = readStore(dir);
    assertConsistent(store);
    assertExactlyOnce(store, [id]);
    expect(runSync(['unregister', 'agent_b'], env).code).toBe(3);
  });

  it('agents --prune --older-than removes the silent ones, keeps those with claims unless --force', async () => {
    const { env } = fresh();
    runSync(['register', 'agent_idle'], { ...env, AGENT_ID: 'agent_idle' });
    runSync(['register', 'agent_busy'], { ...env, AGENT_ID: 'agent_busy' });
    runSync(['-q', 'claim', 'feature', 'held'], { ...env, AGENT_ID: 'agent_busy' });
    // Times are stored to the second: 5 s of silence (on a clock the test moves) against a 3 s
    // limit leaves a wide margin both ways.
    const later = { ...env, SWARMFILE_CLOCK_OFFSET_MS: '5000' };
    runSync(['register', 'agent_fresh'], { ...later, AGENT_ID: 'agent_fresh' });
    const r = runSync(['--json', 'agents', '--prune', '--older-than', '3s'], later);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { removed: string[]; kept: { agent_id: string }[] };
    expect(report.removed).toEqual(['agent_idle']);
    expect(report.kept.map((k) => k.agent_id)).toEqual(['agent_busy']);
    expect(agents(env).map((a) => a.agent_id).sort()).toEqual(['agent_busy', 'agent_fresh']);
    const forced = JSON.parse(runSync(['--json', 'agents', '--prune', '--older-than', '3s', '--force'], later).stdout);
    expect(forced.removed).toEqual(['agent_busy']);
    expect(forced.released).toHaveLength(1);
  });
});

describe('blocked items', () => {
  it('an item waiting on a dead dependency is blocked in list, show and the dashboard', () => {
    const { env } = fresh({ MAX_RETRY_ATTEMPTS: '1' });
    const a = runSync(['-q', 'add', 'feature', 'base'], env).stdout.trim();
    const b = runSync(['-q', 'add', 'feature', 'child', '--depends-on', a], env).stdout.trim();
    expect(runSync(['-q', 'claim-next'], env).stdout.trim()).toBe(a);
    expect(runSync(['fail', a, 'broken'], env).code).toBe(0);
    expect(JSON.parse(runSync(['--json', 'show', b], env).stdout).blocked_by).toEqual([a]);
    expect(runSync(['list'], env).stdout).toContain(`blocked (dead: ${a})`);
    expect(JSON.parse(runSync(['--json', 'dashboard'], env).stdout).totals.blocked).toBe(1);
    expect(runSync(['ready'], env).stderr).toContain(`blocked: ${b} waits on dead ${a}`);
    // Revived, the dependency no longer blocks.
    expect(runSync(['requeue', a], env).code).toBe(0);
    expect(JSON.parse(runSync(['--json', 'show', b], env).stdout).blocked_by).toBeUndefined();
  });
});
