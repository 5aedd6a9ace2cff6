/**
 * Issue 15, item 7: agents and teams named like Object.prototype's members keep their counters,
 * and AGENT_ID from the environment follows the naming rules like every other name.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, snapshot, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

describe('names that Object.prototype also has', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])('agent and team %s keep their completion counters', (name) => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir, { AGENT_ID: name });
    for (let i = 0; i < 2; i++) {
      const id = runSync(['-q', 'claim', 'feature', `x${i}`, 'high', name], env).stdout.trim();
      expect(runSync(['complete', id, 'success', '4'], env).code).toBe(0);
    }
    const store = readStore(dir);
    assertConsistent(store);
    expect(store.statsTeams.get(name)).toEqual({ tasks_completed: 2, velocity_points: 8 });
    const dash = JSON.parse(runSync(['--json', 'dashboard'], env).stdout);
    const team = (dash.teams as { team: string; tasks_completed: number; velocity_points: number }[]).find((t) => t.team === name);
    expect(team).toMatchObject({ tasks_completed: 2, velocity_points: 8 });
    const agent = (dash.agents as { agent_id: string; tasks_completed: number }[]).find((a) => a.agent_id === name);
    expect(agent).toMatchObject({ tasks_completed: 2 });
  });
});

describe('AGENT_ID is validated', () => {
  it.each(['a\tb', 'a/b', '__proto__', '-x', 'x'.repeat(65), 'a b'])('AGENT_ID=%j is refused (exit 2) and nothing is written', (bad) => {
    const dir = join(tempDir(), 'store');
    const env = storeEnv(dir);
    expect(runSync(['-q', 'claim', 'feature', 'seed'], env).code).toBe(0);
    const before = snapshot(dir);
    for (const args of [['claim', 'feature', 'x'], ['add', 'feature', 'x'], ['register', 'agent_ok']]) {
      const r = runSync(args, { ...env, AGENT_ID: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('[INVALID_INPUT]');
      expect(r.stderr).toContain('AGENT_ID');
    }
    expect(snapshot(dir)).toBe(before);
  });
});
