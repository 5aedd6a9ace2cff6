import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runSync, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

/** Each test has a store of its own: none depends on what another left behind, or on their order. */
function fresh() {
  const dir = join(tempDir(), 'store');
  return { dir, env: storeEnv(dir, { AGENT_ID: 'agent_42' }) };
}

describe('coordination_helper CLI', () => {

  it('claim prints only the id on stdout; progress and complete follow SwarmSH arguments', () => {
    const { env } = fresh();
    const c = runSync(['claim', 'feature', 'Implement auth', 'high', 'backend_team'], env);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/^work_\d{19}\n$/);
    expect(c.stderr).toContain('claimed');
    const id = c.stdout.trim();
    expect(runSync(['progress', id, '50', 'in_progress'], env)).toMatchObject({ code: 0, stdout: '' });
    const done = runSync(['--json', 'complete', id, 'success', '8'], env);
    expect(done.code).toBe(0);
    const rec = JSON.parse(done.stdout);
    expect(rec).toMatchObject({ work_item_id: id, agent_id: 'agent_42', work_type: 'feature', priority: 'high', team: 'backend_team', status: 'completed', progress: 100, result: 'success', velocity_points: 8 });
    for (const k of ['claimed_at', 'last_update', 'completed_at']) expect(rec[k]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('list --json keeps SwarmSH field names for jq', () => {
    const { env } = fresh();
    const finished = runSync(['-q', 'claim', 'feature', 'finished'], env).stdout.trim();
    expect(runSync(['complete', finished], env).code).toBe(0);
    const id = runSync(['-q', 'claim', 'bug_fix', 'Fix login', 'critical'], env).stdout.trim();
    const list = JSON.parse(runSync(['list', '--json'], env).stdout) as Array<Record<string, unknown>>;
    const item = list.find((w) => w.work_item_id === id)!;
    expect(item).toMatchObject({ agent_id: 'agent_42', work_type: 'bug_fix', priority: 'critical', team: 'autonomous_team', status: 'active', progress: 0 });
    expect(list.every((w) => w.status !== 'completed')).toBe(true);
    const all = JSON.parse(runSync(['list', '--json', '--all'], env).stdout) as Array<Record<string, unknown>>;
    expect(all.some((w) => w.status === 'completed')).toBe(true);
    const done = JSON.parse(runSync(['list', '--json', '--status', 'completed'], env).stdout) as Array<Record<string, unknown>>;
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((w) => w.status === 'completed')).toBe(true);
  });

  it('stores quotes, newlines, backslashes and any Unicode exactly', () => {
    const { dir, env } = fresh();
    const nasty = `He said "it's done" \\o/ \n\ttab\r\nline ✓ 日本語 مرحبا 🚀 $(rm -rf /) \`ls\` ' ; DROP TABLE`;
    const id = runSync(['-q', 'claim', 'feature', nasty], env).stdout.trim();
    const shown = JSON.parse(runSync(['--json', 'show', id], env).stdout);
    expect(shown.description).toBe(nasty);
    runSync(['complete', id, `result with "quotes"\nand newline`], env);
    expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).result).toBe(`result with "quotes"\nand newline`);
    assertConsistent(readStore(dir));
  });

  it('progress and complete default to $CURRENT_WORK_ITEM', () => {
    const { env } = fresh();
    const id = runSync(['-q', 'claim', 'feature', 'env default'], env).stdout.trim();
    const e2 = { ...env, CURRENT_WORK_ITEM: id };
    expect(runSync(['progress', '', '30'], e2).code).toBe(0);
    expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).progress).toBe(30);
    expect(runSync(['complete'], e2).code).toBe(0);
    expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).status).toBe('completed');
  });

  it('register and dashboard show agents, active work and per-team velocity', () => {
    const { env } = fresh();
    // Three completions by agent_42: one for backend_team (8 points), two for the default team.
    const finish = (claimArgs: string[], points: string) => runSync(['complete', runSync(['-q', 'claim', ...claimArgs], env).stdout.trim(), 'success', points], env).code;
    expect([finish(['feature', 'a', 'high', 'backend_team'], '8'), finish(['bug', 'b'], '5'), finish(['bug', 'c'], '5')]).toEqual([0, 0, 0]);
    expect(runSync(['register', 'agent_42', 'backend_team', '50', 'api'], env).stdout.trim()).toBe('agent_42');
    const d = JSON.parse(runSync(['dashboard', '--json'], env).stdout);
    const me = d.agents.find((a: { agent_id: string }) => a.agent_id === 'agent_42');
    expect(me).toMatchObject({ team: 'backend_team', capacity: 50, specialization: 'api', status: 'active' });
    expect(me.tasks_completed).toBe(3);
    expect(d.teams.find((t: { team: string }) => t.team === 'backend_team')).toMatchObject({ tasks_completed: 1, velocity_points: 8 });
    expect(d.totals.active_work).toBe(d.active_work.length);
    const human = runSync(['dashboard'], env);
    expect(human.stdout).toContain('TEAM VELOCITY');
  });

  it('generate-id prints unique ids of both kinds', () => {
    const { env } = fresh();
    expect(runSync(['generate-id'], env).stdout).toMatch(/^agent_\d{19}\n$/);
    expect(runSync(['generate-id', 'work'], env).stdout).toMatch(/^work_\d{19}\n$/);
  });

  it('--help tells the truth about commands, environment and exit statuses', () => {
    const { env } = fresh();
    const h = runSync(['--help'], env);
    expect(h.code).toBe(0);
    for (const cmd of ['claim', 'progress', 'complete', 'register', 'list', 'show', 'generate-id', 'dashboard', 'import-swarmsh', 'help']) expect(h.stdout).toContain(cmd);
    expect(h.stdout).toContain('FLOCK_TIMEOUT');
    expect(h.stdout).toMatch(/Exit status:[\s\S]*NOT_FOUND/);
    expect(runSync(['help', 'claim'], env).stdout).toContain('<work_type>');
  });

  it('records the format version and shard count of the store', () => {
    const { dir, env } = fresh();
    expect(runSync(['register', 'agent_42'], env).code).toBe(0); // creates the store
    const fmt = JSON.parse(readFileSync(join(dir, 'swarmfile.json'), 'utf8'));
    expect(fmt).toMatchObject({ format: 'swarmfile-store', version: 2, shards: 16, active_shards: 16 });
    // A later process asking for another count still routes by the store's own.
    const other = runSync(['-q', 'claim', 'feature', 'x'], { ...env, WORK_QUEUE_SHARDING: '3' });
    expect(other.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'swarmfile.json'), 'utf8')).shards).toBe(16);
  });

  it('scripts/coordination_helper works from any directory, defaulting to ./agent_coordination', () => {
    const { env } = fresh();
    const cwd = tempDir();
    const { COORDINATION_DIR: _omit, ...noDirEnv } = env;
    const r = spawnSync(join(ROOT, 'scripts/coordination_helper'), ['claim', 'feature', 'from elsewhere'], { cwd, env: noDirEnv, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const store = readStore(join(cwd, 'agent_coordination'));
    expect([...store.active.keys()]).toEqual([r.stdout.trim()]);
  });
});
