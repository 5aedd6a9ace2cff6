import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, readTestStore, storeDigest } from '../support/backends.js';
import { runSync, tempDir } from '../support/index.js';
import { assertConsistent, assertExactlyOnce } from '../support/storeInvariants.mjs';

function swarmshDir(): string {
  const src = join(tempDir(), 'swarmsh');
  mkdirSync(src);
  writeFileSync(
    join(src, 'work_claims.json'),
    JSON.stringify([
      { work_item_id: 'work_1700000000000000001', agent_id: 'agent_1', claimed_at: '2025-01-01T00:00:00Z', work_type: 'feature', priority: 'high', description: 'Implement "auth"\nnow', status: 'active', team: 'backend_team' },
      { work_item_id: 'work_1700000000000000002', agent_id: 'agent_2', claimed_at: '2025-01-01T00:00:01Z', work_type: 'bug_fix', priority: 'medium', description: 'done one', status: 'active', team: 'qa_team' },
      { work_item_id: 'work_1700000000000000003', agent_id: 'agent 3', work_type: 'feature', description: 'bad agent id' },
      'not an object',
    ]),
  );
  writeFileSync(
    join(src, 'work_claims_fast.jsonl'),
    [
      JSON.stringify({ work_item_id: 'work_1700000000000000004', agent_id: 'agent_1', work_type: 'test', priority: 'low', description: 'fast claim', status: 'active', team: 'backend_team' }),
      '{"work_item_id": "work_17000000000000000', // torn by SwarmSH's unlocked append
    ].join('\n'),
  );
  writeFileSync(join(src, 'coordination_log.json'), JSON.stringify([{ work_item_id: 'work_1700000000000000002', completed_at: '2025-01-02T00:00:00Z', agent_id: 'agent_2', result: 'success', velocity_points: 8 }]));
  writeFileSync(join(src, 'agent_status.json'), JSON.stringify([{ agent_id: 'agent_1', team: 'backend_team', capacity: 100, specialization: 'api', status: 'active', last_heartbeat: '2025-01-01T00:00:00Z' }]));
  return src;
}

describe.each(BACKENDS)('import-swarmsh (%s store)', (backend) => {
  it('imports what it can read, reports the rest, and imports nothing twice', async () => {
    const testStore = freshStore(backend);
    const env = envFor(testStore);
    const src = swarmshDir();
    const r = runSync(['--json', 'import-swarmsh', src], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ active_imported: 2, completed_imported: 1, agents_imported: 1, skipped_existing: 0 });
    expect(report.problems.map((p: { file: string; line?: number }) => `${p.file}:${p.line ?? ''}`).sort()).toEqual(['work_claims.json:', 'work_claims.json:4', 'work_claims_fast.jsonl:2']);
    expect(r.stderr).toMatch(/could not import work_claims_fast\.jsonl:2/);

    const shown = JSON.parse(runSync(['--json', 'show', 'work_1700000000000000001'], env).stdout);
    expect(shown).toMatchObject({ description: 'Implement "auth"\nnow', team: 'backend_team', priority: 'high', status: 'active' });
    expect(JSON.parse(runSync(['--json', 'show', 'work_1700000000000000002'], env).stdout)).toMatchObject({ status: 'completed', velocity_points: 8 });
    // Imported items are ordinary items: their owner (and only it) can progress and complete them.
    expect(runSync(['complete', 'work_1700000000000000001', 'success', '3'], env).code).toBe(8);
    expect(runSync(['complete', 'work_1700000000000000001', 'success', '3'], { ...env, AGENT_ID: 'agent_1' }).code).toBe(0);
    assertConsistent((await readTestStore(testStore)));

    const before = (await storeDigest(testStore));
    const again = JSON.parse(runSync(['--json', 'import-swarmsh', src], env).stdout);
    expect(again).toMatchObject({ active_imported: 0, completed_imported: 0, agents_imported: 0, skipped_existing: 3 });
    assertConsistent((await readTestStore(testStore)));
    expect((await readTestStore(testStore)).completed.size).toBe(2);
    expect((await storeDigest(testStore))).toBe(before); // a second import changes not one byte
  });

  it('reports a corrupt file and a directory with nothing to import', async () => {
    const env = envFor(freshStore(backend));
    const src = join(tempDir(), 'broken');
    mkdirSync(src);
    writeFileSync(join(src, 'work_claims.json'), '[{"work_item_id": "work_1", "description": "unescaped "quote""}]');
    const r = runSync(['--json', 'import-swarmsh', src], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).problems[0]).toMatchObject({ file: 'work_claims.json', reason: expect.stringMatching(/not valid JSON/) });
    const empty = runSync(['import-swarmsh', tempDir()], env);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/holds none of/);
  });

  it('does not import again an id that has since moved to the backlog, the dead list or an archive (issue 15 item 5)', async () => {
    const testStore = freshStore(backend);
    const env = envFor(testStore, { MAX_RETRY_ATTEMPTS: '1' });
    const src = swarmshDir();
    expect(runSync(['import-swarmsh', src], env).code).toBe(0);
    // 01 back to the backlog, 04 to the dead list, 02 (completed) into an archive.
    expect(runSync(['release', 'work_1700000000000000001', '--force'], env).code).toBe(0);
    expect(runSync(['fail', 'work_1700000000000000004', 'broken', '--force'], env).code).toBe(0);
    expect(runSync(['cleanup', '--older-than', '0s'], env).code).toBe(0);
    const before = (await storeDigest(testStore));
    const again = runSync(['--json', 'import-swarmsh', src], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ active_imported: 0, completed_imported: 0, skipped_existing: 3 });
    expect((await storeDigest(testStore))).toBe(before);
    const store = (await readTestStore(testStore));
    assertConsistent(store);
    assertExactlyOnce(store);
    expect(store.dead.has('work_1700000000000000004')).toBe(true);
    expect(runSync(['-q', 'claim-next'], env).stdout.trim()).toBe('work_1700000000000000001');
  });

  it('says what it changed (issue 16): --dry-run writes nothing; priorities mapped, bad times dropped, unknown fields kept in extra; log-only items keep their times and team', async () => {
    const testStore = freshStore(backend);
    const env = envFor(testStore);
    expect(runSync(['register', 'seed_agent'], env).code).toBe(0);
    const src = join(tempDir(), 'swarmsh2');
    mkdirSync(src);
    writeFileSync(
      join(src, 'work_claims.json'),
      JSON.stringify([
        { work_item_id: 'work_1700000000000000101', agent_id: 'agent_x', work_type: 'feature', priority: 'urgent', description: 'u', status: 'active', team: 'red', claimed_at: 'yesterday-ish', reactor_id: 'r-7', estimated_duration: '2h', telemetry: { trace: 'abc' } },
        { description: 'no id at all' },
      ]),
    );
    writeFileSync(join(src, 'coordination_log.json'), JSON.stringify([{ work_item_id: 'work_1700000000000000102', completed_at: '2025-03-01T10:00:00Z', agent_id: 'agent_y', result: 'success', velocity_points: 3 }]));
    writeFileSync(join(src, 'agent_status.json'), JSON.stringify([{ agent_id: 'agent_y', team: 'blue_team', last_heartbeat: '2025-01-01T00:00:00Z' }]));
    const before = (await storeDigest(testStore));
    const dry = runSync(['--json', 'import-swarmsh', src, '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect((await storeDigest(testStore))).toBe(before);
    const plan = JSON.parse(dry.stdout);
    expect(plan).toMatchObject({ dry_run: true, active_imported: 1, completed_imported: 1 });
    expect(plan.changes.map((c: { field: string; to: unknown }) => [c.field, c.to])).toEqual([
      ['priority', 'critical'],
      ['claimed_at', null],
    ]);
    const noId = plan.problems.find((p: { reason: string }) => /no work_item_id/.test(p.reason));
    expect(noId).toBeDefined();
    expect(JSON.stringify(plan.problems)).not.toMatch(/CURRENT_WORK_ITEM/);

    const r = runSync(['--json', 'import-swarmsh', src], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).claims).toMatchObject({ mode: 'keep', kept: 1 });
    const active = JSON.parse(runSync(['--json', 'show', 'work_1700000000000000101'], env).stdout);
    expect(active.priority).toBe('critical');
    expect(active.extra).toEqual({ reactor_id: 'r-7', estimated_duration: '2h', telemetry: { trace: 'abc' } });
    expect(Date.parse(active.lease_expires_at)).toBeGreaterThan(Date.now());
    const done = JSON.parse(runSync(['--json', 'show', 'work_1700000000000000102'], env).stdout);
    expect(done.team).toBe('blue_team');
    expect(done.claimed_at <= done.completed_at).toBe(true);
    // Kept claims are not reclaimed by the first scan after the import.
    expect(JSON.parse(runSync(['--json', 'reap'], env).stdout).reaped).toEqual([]);
    assertConsistent((await readTestStore(testStore)));
  });

  it('--claims release puts imported claims in the backlog, claimable', async () => {
    const testStore = freshStore(backend);
    const env = envFor(testStore);
    const r = runSync(['--json', 'import-swarmsh', swarmshDir(), '--claims', 'release'], env);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.claims).toMatchObject({ mode: 'release', released: 2 });
    expect(JSON.parse(runSync(['--json', 'list', '--status', 'pending'], env).stdout)).toHaveLength(2);
    expect(runSync(['import-swarmsh', swarmshDir(), '--claims', 'sometimes'], env).code).toBe(2);
  });
});
