/**
 * Issue 15, item 7: agents and teams named like Object.prototype's members keep their counters,
 * and AGENT_ID from the environment follows the naming rules like every other name.
 */
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, readTestStore, storeDigest } from '../support/backends.js';
import { runSync } from '../support/index.js';
import { assertConsistent } from '../support/storeInvariants.mjs';

describe.each(BACKENDS)('names that Object.prototype also has (%s store)', (backend) => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])('agent and team %s keep their completion counters', async (name) => {
    const testStore = freshStore(backend);
    const env = envFor(testStore, { AGENT_ID: name });
    for (let i = 0; i < 2; i++) {
      const id = runSync(['-q', 'claim', 'feature', `x${i}`, 'high', name], env).stdout.trim();
      expect(runSync(['complete', id, 'success', '4'], env).code).toBe(0);
    }
    const store = await readTestStore(testStore);
    assertConsistent(store);
    expect(store.statsTeams.get(name)).toEqual({ tasks_completed: 2, velocity_points: 8 });
    const dash = JSON.parse(runSync(['--json', 'dashboard'], env).stdout);
    const team = (dash.teams as { team: string; tasks_completed: number; velocity_points: number }[]).find((t) => t.team === name);
    expect(team).toMatchObject({ tasks_completed: 2, velocity_points: 8 });
    const agent = (dash.agents as { agent_id: string; tasks_completed: number }[]).find((a) => a.agent_id === name);
    expect(agent).toMatchObject({ tasks_completed: 2 });
  });
});

describe.each(BACKENDS)('AGENT_ID is validated (%s store)', (backend) => {
  it.each(['a\tb', 'a/b', '__proto__', '-x', 'x'.repeat(65), 'a b'])('AGENT_ID=%j is refused (exit 2) and nothing is written', async (bad) => {
    const testStore = freshStore(backend);
    const env = envFor(testStore);
    expect(runSync(['-q', 'claim', 'feature', 'seed'], env).code).toBe(0);
    const before = await storeDigest(testStore);
    for (const args of [['claim', 'feature', 'x'], ['add', 'feature', 'x'], ['register', 'agent_ok']]) {
      const r = runSync(args, { ...env, AGENT_ID: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('[INVALID_INPUT]');
      expect(r.stderr).toContain('AGENT_ID');
    }
    expect(await storeDigest(testStore)).toBe(before);
  });
});
