/**
 * `migrate --from <dir> --to <url>`: a file store with items in every place, a registry and
 * counters arrives in PostgreSQL as it was (ids, places, fencing tokens, attempts, counters), a
 * second run copies nothing twice, and the migrated store goes on working (the claimed item can
 * be completed with its old token, the queued one claimed next).
 */
import { describe, expect, it } from 'vitest';
import { Coordinator, type WorkItem } from '../../src/index.js';
import { envFor, freshStore, PG_URL, readTestStore, storeDigest } from '../support/backends.js';
import { runSync, tempDir } from '../support/index.js';

const byId = (items: WorkItem[]) => new Map(items.map((w) => [w.work_item_id, w]));

describe.runIf(!!PG_URL)('migrate a file store into PostgreSQL', () => {
  it('keeps ids, places, tokens and counters, copies nothing twice, and the store goes on working', async () => {
    const file = freshStore('file');
    const q = await Coordinator.open({ ...file.open, agentId: 'mover', env: { MAX_RETRY_ATTEMPTS: '1' } });
    await q.register({ agentId: 'mover', team: 'red' });
    const done = await q.claim({ workType: 'x', description: 'done "quoted" ✓', team: 'red' });
    await q.complete(done.work_item_id, { velocityPoints: 7 });
    const active = await q.claim({ workType: 'x', description: 'still claimed' });
    await q.progress(active.work_item_id, 40);
    const dead = await q.add({ workType: 'x', description: 'dies' });
    await q.fail((await q.claimNext()).work_item_id, { reason: 'boom' });
    const queued = await q.add({ workType: 'x', description: 'queued', priority: 'high' });
    const waiting = await q.add({ workType: 'x', description: 'waits', dependsOn: [active.work_item_id] });
    const before = byId(await q.list({ all: true }));
    await q.close();

    const pg = freshStore('postgres');
    const first = runSync(['--json', 'migrate', '--from', file.dir, '--to', pg.url!], envFor(file));
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ copied: { backlog: 1, waiting: 1, dead: 1, active: 1, finished: 1 }, skipped: 0, agents: 1 });
    expect(report.to).toBe(pg.url);

    const p = await Coordinator.open({ ...pg.open, agentId: 'mover' });
    const after = byId(await p.list({ all: true }));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [id, w] of before) expect(after.get(id), id).toEqual(w);
    expect((await p.show(dead.work_item_id)).status).toBe('dead');
    expect((await p.show(waiting.work_item_id)).status).toBe('waiting');
    const dash = await p.dashboard();
    expect(dash.totals).toMatchObject({ tasks_completed: 1, velocity_points: 7, queued: 1, waiting: 1, dead: 1, active_work: 1 });
    expect(dash.store.kind).toBe('postgres');

    // Again: nothing copied twice.
    const again = JSON.parse(runSync(['--json', 'migrate', '--from', file.dir, '--to', pg.url!], envFor(file)).stdout);
    expect(again).toMatchObject({ copied: {}, skipped: 5, agents: 0, counters: 0 });
    const state = await readTestStore(pg);
    expect(state.completed.size + state.active.size + state.backlog.size + state.waiting.size + state.dead.size).toBe(5);

    // It goes on: the old claim completes with its token, which releases the waiting item.
    await p.complete(active.work_item_id, { token: active.fencing_token });
    expect((await p.claimNext()).work_item_id).toBe(queued.work_item_id);
    expect((await p.claimNext()).work_item_id).toBe(waiting.work_item_id);
    await p.close();
  });

  it('brings claims with their reservations; into a store in use where a live claim holds an overlapping path, it refuses (exit 12) and writes nothing', async () => {
    const root = tempDir('swarmfile-repo-');
    const scope = { root, cwd: root };
    const file = freshStore('file');
    const f = await Coordinator.open({ ...file.open, agentId: 'file_agent' });
    const moving = await f.claim({ workType: 'x', description: 'holds the store' });
    await f.reserve(moving.work_item_id, ['src/store/**', 'docs/a.md'], { ...scope, reason: 'rewrite' });
    await f.close();

    const pg = freshStore('postgres');
    const p = await Coordinator.open({ ...pg.open, agentId: 'pg_agent' });
    const here = await p.claim({ workType: 'x', description: 'already working here' });
    await p.reserve(here.work_item_id, ['src/store/Store.ts'], scope);
    const before = await storeDigest(pg);
    const refused = runSync(['--json', 'migrate', '--from', file.dir, '--to', pg.url!], envFor(file));
    expect(refused.code, refused.stderr).toBe(12);
    expect(refused.stderr).toContain('[CONFLICT]');
    expect(refused.stderr).toContain(here.work_item_id);
    expect(await storeDigest(pg)).toBe(before);

    // Once the claim here ends, the copy goes through with the reservations, live and enforced.
    await p.complete(here.work_item_id);
    const ok = runSync(['--json', 'migrate', '--from', file.dir, '--to', pg.url!], envFor(file));
    expect(ok.code, ok.stderr).toBe(0);
    expect((await p.show(moving.work_item_id)).reserved_paths?.map((r) => r.path)).toEqual(['src/store/**', 'docs/a.md']);
    expect((await p.reservations({ workId: moving.work_item_id })).map((r) => r.path).sort()).toEqual(['docs/a.md', 'src/store/**']);
    const other = await p.claim({ workType: 'x', description: 'wants the store' });
    await expect(p.reserve(other.work_item_id, ['src/store/x.ts'], scope)).rejects.toMatchObject({ code: 'CONFLICT' });
    await p.close();
  });

  it('refuses a directory that is no store (exit 3) and writes nothing', async () => {
    const pg = freshStore('postgres');
    const r = runSync(['migrate', '--from', '/nonexistent/store', '--to', pg.url!], envFor(pg));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('[NOT_FOUND]');
    expect(await storeDigest(pg)).toBe('no store');
  });
});
