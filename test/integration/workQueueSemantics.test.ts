/**
 * The work queue's rules, each in the order the README documents: priorities then age,
 * dependencies, retries with backoff and the dead-letter list, leases and fencing, release,
 * cancel, agents' liveness, cleanup archives and the blocking claim-next.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Coordinator, isSwarmError, type WorkItem } from '../../src/index.js';
import { BACKENDS, envFor, freshStore, type TestStore } from '../support/backends.js';
import { CLI, run, runSync } from '../support/index.js';

const open = (store: TestStore, agentId: string, env: Record<string, string> = {}, clock?: () => number) =>
  Coordinator.open({ ...store.open, agentId, env: { SWARMFILE_FSYNC: '0', REAP_INTERVAL_MS: '0', ...env }, ...(clock ? { clock } : {}) });
/** A clock the test moves by hand: time rules are checked without sleeping, so a busy machine cannot make them flaky. */
function settableClock() {
  let now = Date.now();
  return { clock: () => now, advance: (ms: number) => void (now += ms), set: (ms: number) => void (now = ms), now: () => now };
}
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => (isSwarmError(e) ? e.code : String(e)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (items: WorkItem[]) => items.map((w) => w.work_item_id);

/** A pid that certainly belongs to no running process (a child that has exited and been reaped). */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$']);
  return Number(String(r.stdout).trim());
}

describe.each(BACKENDS)('work queue (%s store)', (backend) => {
  it('claims by priority (critical > high > medium > low), then oldest first, and honours filters', async () => {
    const store = freshStore(backend);
    const q = await open(store, 'boss');
    const low = await q.add({ workType: 'doc', description: 'low', priority: 'low' });
    const med = await q.add({ workType: 'bug', description: 'med', priority: 'medium', team: 'red' });
    const crit1 = await q.add({ workType: 'bug', description: 'crit 1', priority: 'critical' });
    const high = await q.add({ workType: 'feature', description: 'high', priority: 'high' });
    const crit2 = await q.add({ workType: 'doc', description: 'crit 2', priority: 'critical' });
    const order = ids([crit1, crit2, high, med, low]);
    expect(ids(await q.ready())).toEqual(order);
    expect(ids(await q.ready({ limit: 2 }))).toEqual(order.slice(0, 2));
    // Filters pick the best matching item and leave the rest in place.
    expect((await q.claimNext({ team: 'red' })).work_item_id).toBe(med.work_item_id);
    expect((await q.claimNext({ workType: 'doc' })).work_item_id).toBe(crit2.work_item_id);
    expect(await codeOf(q.claimNext({ workType: 'nothing_like_this' }))).toBe('NOTHING_CLAIMABLE');
    const rest: string[] = [];
    for (let i = 0; i < 3; i++) rest.push((await q.claimNext()).work_item_id);
    expect(rest).toEqual(ids([crit1, high, low]));
    expect(await codeOf(q.claimNext())).toBe('NOTHING_CLAIMABLE');
    // Every claim got a first fencing token and a lease; emptied non-tail segments are gone.
    const claimed = await q.list();
    expect(claimed.every((w) => w.fencing_token === 1 && w.status === 'active' && w.agent_id === 'boss' && !!w.lease_expires_at)).toBe(true);
    await q.close();
  });

  it('keeps a large backlog in order across segments', async () => {
    const store = freshStore(backend);
    const dir = store.dir;
    const q = await open(store, 'boss');
    const added: string[] = [];
    for (let i = 0; i < 600; i++) added.push((await q.add({ workType: 'bulk', description: `item ${i}`, priority: 'high' })).work_item_id);
    // Segments are the file store's layout: 256 items each.
    const segments = () => readdirSync(dir).filter((f) => /^backlog\.1\.\d+\.json$/.test(f)).length;
    if (backend === 'file') expect(segments()).toBe(3);
    const claimed: string[] = [];
    for (let i = 0; i < 300; i++) claimed.push((await q.claimNext()).work_item_id);
    expect(claimed).toEqual(added.slice(0, 300));
    // The emptied first segment was removed; the tail stays.
    if (backend === 'file') expect(segments()).toBe(2);
    expect(ids(await q.ready({ limit: 1 }))).toEqual([added[300]]);
    await q.close();
  });

  it('holds items with --depends-on back until every dependency is completed', async () => {
    const store = freshStore(backend);
    const q = await open(store, 'builder');
    const x = await q.add({ workType: 'build', description: 'x', priority: 'low' });
    const y = await q.add({ workType: 'test', description: 'y', priority: 'critical', dependsOn: [x.work_item_id] });
    const z = await q.add({ workType: 'ship', description: 'z', priority: 'critical', dependsOn: [x.work_item_id, y.work_item_id] });
    expect(y.status).toBe('waiting');
    expect(ids(await q.ready())).toEqual([x.work_item_id]);
    expect(ids(await q.list({ status: 'waiting' }))).toEqual(ids([y, z]));
    // A dependency that other items wait on cannot be cancelled.
    expect(await codeOf(q.cancel(x.work_item_id))).toBe('WRONG_STATE');
    // Unknown dependencies are refused.
    expect(await codeOf(q.add({ workType: 'x', description: 'x', dependsOn: ['work_42'] }))).toBe('NOT_FOUND');

    const done: string[] = [];
    for (;;) {
      const next = await q.claimNext().catch(() => null);
      if (!next) break;
      await q.complete(next.work_item_id);
      done.push(next.work_item_id);
    }
    expect(done).toEqual(ids([x, y, z]));
    // Depending on something already completed queues at once.
    const w = await q.add({ workType: 'after', description: 'w', dependsOn: [z.work_item_id] });
    expect(w.status).toBe('pending');
    await q.close();
  });

  it('retries a failed item after an exponential, jittered delay, then dead-letters it; requeue revives it', async () => {
    const store = freshStore(backend);
    const t = settableClock();
    const q = await open(store, 'worker', { MAX_RETRY_ATTEMPTS: '3', RETRY_BACKOFF_SECONDS: '1' }, t.clock);
    const item = await q.add({ workType: 'flaky', description: 'flaky job' });
    for (let attempt = 1; attempt <= 2; attempt++) {
      const c = await q.claimNext();
      expect(c.fencing_token).toBe(attempt);
      const f = await q.fail(c.work_item_id, { reason: `boom ${attempt}` });
      expect(f).toMatchObject({ status: 'pending', attempts: attempt, agent_id: null });
      // base 1 s doubled per attempt, jittered between half and all of it, from the moment of fail.
      const ceiling = 1000 * 2 ** (attempt - 1);
      const delay = Date.parse(f.retry_at!) - t.now();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThanOrEqual(ceiling);
      // Not claimable before retry_at, even a millisecond before; the error says when.
      t.set(Date.parse(f.retry_at!) - 1);
      const err = await q.claimNext().catch((e: unknown) => e);
      expect(isSwarmError(err, 'NOTHING_CLAIMABLE')).toBe(true);
      expect((err as { details: { next_retry_at: string } }).details.next_retry_at).toBe(f.retry_at);
      t.advance(1);
    }
    const last = await q.claimNext();
    const dead = await q.fail(last.work_item_id, { reason: 'boom 3' });
    expect(dead).toMatchObject({ status: 'dead', attempts: 3 });
    expect(dead.failures!.map((f) => f.reason)).toEqual(['boom 1', 'boom 2', 'boom 3']);
    expect(ids(await q.list({ status: 'dead' }))).toEqual([item.work_item_id]);
    expect(await codeOf(q.claimNext())).toBe('NOTHING_CLAIMABLE');
    const back = await q.requeue(item.work_item_id);
    expect(back).toMatchObject({ status: 'pending', attempts: 0 });
    const again = await q.claimNext();
    expect(again.fencing_token).toBe(4);
    expect((await q.complete(again.work_item_id)).status).toBe('completed');
    await q.close();
  });

  it('lets only the owner act on a claim, with --force for operators (recorded)', async () => {
    const store = freshStore(backend);
    const a = await open(store, 'agent_a');
    const b = await open(store, 'agent_b');
    await a.add({ workType: 'feature', description: 'mine' });
    const c = await a.claimNext();
    for (const op of [() => b.progress(c.work_item_id, 10), () => b.heartbeat(c.work_item_id), () => b.release(c.work_item_id), () => b.fail(c.work_item_id, { reason: 'x' }), () => b.complete(c.work_item_id)]) {
      expect(await codeOf(op())).toBe('NOT_OWNER');
    }
    const forced = await b.complete(c.work_item_id, { force: true, velocityPoints: 2 });
    expect(forced.agent_id).toBe('agent_a'); // the owner keeps the credit
    expect(forced.events).toEqual([expect.objectContaining({ event: 'complete', by: 'agent_b', forced: true })]);
    await a.close();
    await b.close();
  });

  it('reclaims an expired lease; the old owner is fenced off, even under the same agent id', async () => {
    const store = freshStore(backend);
    const t = settableClock();
    const a = await open(store, 'agent_a', {}, t.clock);
    const b = await open(store, 'agent_b', {}, t.clock);
    const item = await a.add({ workType: 'feature', description: 'slow' });
    const first = await a.claimNext({ leaseSeconds: 1 });
    expect(first.fencing_token).toBe(1);
    // A heartbeat renews the lease: a moment before the old one ends, it still holds afterwards.
    t.advance(600);
    const hb = await a.heartbeat(item.work_item_id);
    expect(Date.parse(hb.lease_expires_at!)).toBe(t.now() + 1000);
    t.set(Date.parse(first.lease_expires_at!) + 1);
    expect(await codeOf(b.claimNext())).toBe('NOTHING_CLAIMABLE');
    t.set(Date.parse(hb.lease_expires_at!) + 1);
    // The next claim-next reclaims it (reaping is automatic) and takes it with a new token.
    const second = await b.claimNext();
    expect(second).toMatchObject({ work_item_id: item.work_item_id, fencing_token: 2, agent_id: 'agent_b', attempts: 1 });
    expect(second.failures).toEqual([expect.objectContaining({ outcome: 'lease_expired', agent_id: 'agent_a', fencing_token: 1 })]);
    expect(await codeOf(a.complete(item.work_item_id))).toBe('NOT_OWNER');
    expect(await codeOf(a.progress(item.work_item_id, 90))).toBe('NOT_OWNER');
    // Same agent id, new process (another Coordinator): its stale token is refused.
    const a2 = await open(store, 'agent_b');
    expect(await codeOf(a2.complete(item.work_item_id, { token: 1 }))).toBe('NOT_OWNER');
    expect((await b.complete(item.work_item_id)).fencing_token).toBe(2);
    for (const c of [a, b, a2]) await c.close();
  });

  it('returns a claim whose process is gone, and a released claim, to the front of the backlog', async () => {
    const store = freshStore(backend);
    const gone = await open(store, 'ghost', { AGENT_PID: String(deadPid()) });
    const q = await open(store, 'alive');
    const old = await q.add({ workType: 'x', description: 'old' });
    const young = await q.add({ workType: 'x', description: 'young' });
    expect((await gone.claimNext()).work_item_id).toBe(old.work_item_id);
    const report = await q.reap();
    expect(report.reaped).toEqual([{ work_item_id: old.work_item_id, agent_id: 'ghost', reason: 'process_gone' }]);
    expect(ids(await q.ready())).toEqual(ids([old, young]));
    const again = await q.claimNext();
    expect(again).toMatchObject({ work_item_id: old.work_item_id, attempts: 1 });
    const released = await q.release(again.work_item_id, { reason: 'not now' });
    expect(released).toMatchObject({ status: 'pending', attempts: 1, agent_id: null });
    expect(ids(await q.ready())).toEqual(ids([old, young]));
    await gone.close();
    await q.close();
  });

  it('cancels queued, waiting, dead and (owner or forced) claimed items into the finished log', async () => {
    const store = freshStore(backend);
    const q = await open(store, 'op', { MAX_RETRY_ATTEMPTS: '1' });
    const queued = await q.add({ workType: 'x', description: 'queued' });
    const dep = await q.add({ workType: 'x', description: 'dep' });
    const waiting = await q.add({ workType: 'x', description: 'waiting', dependsOn: [dep.work_item_id] });
    expect((await q.cancel(waiting.work_item_id)).status).toBe('cancelled');
    expect((await q.cancel(queued.work_item_id, { reason: 'obsolete' })).events![0]).toMatchObject({ event: 'cancel', reason: 'obsolete' });
    const c = await q.claimNext();
    expect(c.work_item_id).toBe(dep.work_item_id);
    await q.fail(c.work_item_id, { reason: 'broken' });
    expect((await q.cancel(dep.work_item_id)).status).toBe('cancelled');
    expect(ids(await q.list({ status: 'cancelled' }))).toEqual(ids([queued, dep, waiting]).sort());
    expect(await q.list()).toEqual([]);
    expect(await codeOf(q.add({ workType: 'x', description: 'x', dependsOn: [dep.work_item_id] }))).toBe('WRONG_STATE');
    await q.close();
  });

  it('archives finished items older than the cutoff into gzip archives that list --archived reads', async () => {
    const store = freshStore(backend);
    const dir = store.dir;
    const t = settableClock();
    const q = await open(store, 'op', {}, t.clock);
    const done: string[] = [];
    for (let i = 0; i < 5; i++) {
      const w = await q.claim({ workType: 'x', description: `job ${i}` });
      await q.complete(w.work_item_id);
      done.push(w.work_item_id);
    }
    const open1 = await q.claim({ workType: 'x', description: 'still open' });
    expect(await q.cleanup({ olderThan: '1h' })).toMatchObject({ archived: 0, archive: null });
    const dry = await q.cleanup({ olderThan: 0, dryRun: true });
    expect(dry).toMatchObject({ archived: 5, archive: null, dry_run: true });
    expect((await q.list({ status: 'completed' })).length).toBe(5);
    t.advance(1100); // completed_at has one-second resolution
    const r = await q.cleanup({ olderThan: '0s' });
    expect(r.archived).toBe(5);
    if (backend === 'file') expect(existsSync(join(dir, r.archive!))).toBe(true);
    else expect(r.archive).toBeTruthy();
    expect(await q.list({ status: 'completed' })).toEqual([]);
    expect(ids(await q.list({ archived: true })).sort()).toEqual([...done].sort());
    expect((await q.show(done[0]!)).status).toBe('completed');
    expect(ids(await q.list())).toEqual([open1.work_item_id]);
    // Nothing more to archive; the stats stay (velocity is history, not log content).
    expect((await q.cleanup({ olderThan: 0 })).archived).toBe(0);
    expect((await q.dashboard()).totals.tasks_completed).toBe(5);
    await q.close();
  });

  it('shows agents as active, stale or gone', async () => {
    const store = freshStore(backend);
    const child = spawn('sleep', ['30']);
    try {
      const t = settableClock();
      const a = await open(store, 'agent_live', { AGENT_PID: String(child.pid), AGENT_STALE_SECONDS: '1' }, t.clock);
      await a.register({ agentId: 'agent_live', team: 'red', capacity: 3, specialization: 'tests' });
      const g = await open(store, 'agent_gone', { AGENT_PID: String(deadPid()) });
      await g.register({ agentId: 'agent_gone' });
      let agents = await a.agents();
      expect(agents.map((x) => [x.agent_id, x.liveness, x.process_alive])).toEqual([
        ['agent_live', 'active', true],
        ['agent_gone', 'gone', false],
      ]);
      expect(agents[0]).toMatchObject({ team: 'red', capacity: 3, specialization: 'tests', pid: child.pid });
      t.advance(2100);
      agents = await a.agents();
      expect(agents[0]!.liveness).toBe('stale');
      // reap records it; a heartbeat brings it back.
      expect((await a.reap()).agents).toEqual(expect.arrayContaining([{ agent_id: 'agent_live', status: 'stale' }, { agent_id: 'agent_gone', status: 'gone' }]));
      await a.heartbeatAgent();
      expect((await a.agents())[0]!.liveness).toBe('active');
      await a.close();
      await g.close();
    } finally {
      child.kill();
    }
  });

  it('an agent registered by a setup script that exited is not gone while its claims run elsewhere', async () => {
    const store = freshStore(backend);
    const child = spawn('sleep', ['30']);
    try {
      const setup = await open(store, 'agent_w', { AGENT_PID: String(deadPid()) });
      await setup.register({ agentId: 'agent_w' });
      const worker = await open(store, 'agent_w', { AGENT_PID: String(child.pid) });
      await worker.add({ workType: 'x', description: 'x' });
      const c = await worker.claimNext();
      expect((await worker.reap()).reaped).toEqual([]);
      expect((await worker.agents())[0]).toMatchObject({ agent_id: 'agent_w', liveness: 'active', process_alive: null, active_claims: 1 });
      expect((await worker.complete(c.work_item_id)).status).toBe('completed');
      // With no claim left, the registered process decides.
      expect((await worker.agents())[0]!.liveness).toBe('gone');
      await setup.close();
      await worker.close();
    } finally {
      child.kill();
    }
  });

  it('claim-next --wait blocks until an add wakes it; without work it exits 7 when the time is up', async () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'waiter' });
    expect(runSync(['-q', 'add', 'x', 'prime the store'], env).code).toBe(0);
    expect(runSync(['-q', 'claim-next'], env).code).toBe(0);
    const t0 = Date.now();
    const timedOut = runSync(['claim-next', '--wait', '1'], env);
    expect(timedOut.code).toBe(7);
    expect(timedOut.stderr).toMatch(/NOTHING_CLAIMABLE/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);

    const waiting = run(['claim-next', '--wait', '30'], env);
    await sleep(1500); // let it start watching (not a timing assertion: it would also work later)
    const id = runSync(['-q', 'add', 'x', 'wake up'], { ...env, AGENT_ID: 'producer' }).stdout.trim();
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(id);
  });

  it('CLI: the claim records the agent script, also from a pipeline subshell, or AGENT_PID', () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'script_agent', CLI });
    for (let i = 0; i < 3; i++) runSync(['-q', 'add', 'x', `item ${i}`], env);
    const script = [
      'a=$(node "$CLI" -q claim-next)',
      'b=$(node "$CLI" -q claim-next | tr -d "\n")',
      'c=$(AGENT_PID=4242 node "$CLI" -q claim-next)',
      'for id in $a $b $c; do node "$CLI" --json show "$id" | grep "\"claim_pid\""; done',
      'echo "script $$"',
    ].join('\n');
    const r = spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
    const pids = [...r.stdout.matchAll(/"claim_pid": (\d+)/g)].map((m) => Number(m[1]));
    const self = Number(/script (\d+)/.exec(r.stdout)?.[1]);
    expect(pids).toEqual([self, self, 4242]);
  });

  it('CLI: exit 7 when nothing is claimable, 8 for a non-owner, and --json carries the fencing token', () => {
    const store = freshStore(backend);
    const env = envFor(store, { AGENT_ID: 'cli_a' });
    expect(runSync(['claim-next'], env).code).toBe(7);
    const id = runSync(['-q', 'add', 'feature', 'via cli', 'high'], env).stdout.trim();
    const claimed = JSON.parse(runSync(['--json', 'claim-next'], env).stdout) as WorkItem;
    expect(claimed).toMatchObject({ work_item_id: id, fencing_token: 1, agent_id: 'cli_a' });
    const other = runSync(['complete', id], { ...env, AGENT_ID: 'cli_b' });
    expect(other.code).toBe(8);
    expect(other.stderr).toMatch(/NOT_OWNER.*claimed by cli_a/);
    expect(runSync(['progress', id, '50', '--token', '1'], env).code).toBe(0);
    expect(runSync(['complete', id, 'done', '3', '--token', '1'], env).code).toBe(0);
    expect(JSON.parse(runSync(['--json', 'list', '--status', 'completed'], env).stdout)).toHaveLength(1);
  });
});
