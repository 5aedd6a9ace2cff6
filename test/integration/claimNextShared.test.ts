/**
 * claim-next's hot path (src/store/file/claimBest.ts): the claimers of one process are served
 * together, several per transaction on the head segment, and an item whose active shard another
 * operation holds is passed over for the next one of the same priority (as SKIP LOCKED does).
 * What must hold: each item handed out once, to a claimer whose filter it matches, in claim order
 * per claimer; a busy shard delays only its own item; when every candidate's shard is busy,
 * claim-next waits rather than reorder further; a SIGKILL inside a shared commit leaves all of its
 * claims or none.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs, { existsSync, readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DIST, run, runSync, storeEnv, tempDir, WORKERS } from '../support/index.js';
import { assertExactlyOnce, readStore, routedFile } from '../support/storeInvariants.mjs';

const { Coordinator, PRIORITIES } = (await import(join(DIST, 'index.js'))) as typeof import('../../src/index.js');
type CoordinatorType = import('../../src/index.js').Coordinator;
const TEAMS = ['team_a', 'team_b', 'team_c'];

/** Enqueues n items (library add, one process): mixed priorities and teams. Returns ids in claim order. */
async function seed(dir: string, n: number, shards = 16, mixed = true): Promise<string[]> {
  const coord = await Coordinator.open({ dir, fsync: false, shards, env: {} });
  for (let i = 0; i < n; i++) {
    await coord.add({ workType: 'feature', description: `item ${i}`, priority: mixed ? PRIORITIES[i % PRIORITIES.length]! : 'medium', team: TEAMS[i % TEAMS.length]! });
  }
  const order = (await coord.ready({ limit: n })).map((w) => w.work_item_id);
  await coord.close();
  expect(order).toHaveLength(n);
  return order;
}

const children = new Set<number>();
afterEach(() => {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  children.clear();
});

/** Runs sharedClaimers.mjs to its end; returns its exit and the claims it logged (agent, id). */
function claimers(dir: string, agent: string, count: number, mode: 'claim' | 'cycle', teams = '', extra: Record<string, string> = {}) {
  const log = join(dir, '..', `${agent}.log`);
  const r = spawnSync(process.execPath, [join(WORKERS, 'sharedClaimers.mjs'), DIST, log, String(count), mode, teams], { env: storeEnv(dir, { AGENT_ID: agent, ...extra }), encoding: 'utf8', timeout: 120_000 });
  const claims = (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []).map((l) => l.split(' ').slice(1) as [string, string]);
  return { code: r.status, signal: r.signal, stderr: r.stderr, claims };
}

/** Holds swarmfile's lock on `file` (lockHolder.mjs) until killed. */
async function holdLock(file: string): Promise<() => void> {
  const child = spawn(process.execPath, [join(WORKERS, 'lockHolder.mjs'), DIST, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child.pid!);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return () => {
    child.kill('SIGKILL');
    children.delete(child.pid!);
  };
}

describe('claim-next: claimers of one process share the head segment', () => {
  it('8 claimers with team filters in one process: each item once, to a matching claimer, in claim order per claimer', async () => {
    const dir = join(tempDir(), 'store');
    const order = await seed(dir, 120);
    const rank = new Map(order.map((id, i) => [id, i]));
    // Claimers 0,3,6 take team_a only, 1,4,7 team_b only, 2,5 anything.
    const r = claimers(dir, 'shared', 8, 'claim', 'team_a,team_b,');
    expect(r.code, r.stderr).toBe(0);
    const ids = r.claims.map(([, id]) => id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(order));
    const s = readStore(dir);
    const team = new Map([...s.active].map(([id, w]) => [id, w.team]));
    const byAgent = new Map<string, string[]>();
    for (const [agent, id] of r.claims) byAgent.set(agent, [...(byAgent.get(agent) ?? []), id]);
    expect(byAgent.size).toBe(8);
    for (const [agent, mine] of byAgent) {
      const i = Number(agent.split('_').pop());
      if (i % 3 === 0) expect(mine.every((id) => team.get(id) === 'team_a'), agent).toBe(true);
      if (i % 3 === 1) expect(mine.every((id) => team.get(id) === 'team_b'), agent).toBe(true);
      const ranks = mine.map((id) => rank.get(id)!);
      expect(ranks, `${agent} got its items out of claim order`).toEqual([...ranks].sort((a, b) => a - b));
    }
    assertExactlyOnce(s, order);
    expect(s.active.size).toBe(120);
    for (const [agent, mine] of byAgent) for (const id of mine) expect(s.active.get(id)?.agent_id).toBe(agent);
  });

  it('claimers of one process take the segment lock far fewer times than they claim (one transaction serves several)', async () => {
    const dir = join(tempDir(), 'store');
    const order = await seed(dir, 64, 16, false);
    const coords = await Promise.all(Array.from({ length: 8 }, (_, i) => Coordinator.open({ dir, agentId: `batch_${i}`, env: {} })));
    let segmentLocks = 0;
    const real = fs.mkdirSync;
    // Every lock attempt starts with a mkdir of `<file>.lock.<token>.new` (src/lock/lockDir.ts).
    fs.mkdirSync = ((path: fs.PathLike, options?: fs.MakeDirectoryOptions) => {
      if (/backlog\.\d+\.\d+\.json\.lock\./.test(String(path))) segmentLocks++;
      return real(path, options);
    }) as typeof fs.mkdirSync;
    syncBuiltinESMExports();
    const got: string[] = [];
    try {
      await Promise.all(
        coords.map(async (c) => {
          for (let n = 0; n < 8; n++) got.push((await c.claimNext()).work_item_id);
        }),
      );
    } finally {
      fs.mkdirSync = real;
      syncBuiltinESMExports();
      for (const c of coords) await c.close();
    }
    expect(new Set(got)).toEqual(new Set(order));
    expect(got).toHaveLength(64);
    expect(segmentLocks, 'each claim took the segment lock on its own').toBeGreaterThan(0);
    expect(segmentLocks).toBeLessThanOrEqual(32);
    assertExactlyOnce(readStore(dir), order);
  });

  it('3 processes of 8 claimers each, cycling claim-next -> progress -> complete: every item completed exactly once', async () => {
    const dir = join(tempDir(), 'store');
    const order = await seed(dir, 150);
    const results = await Promise.all(
      ['p1', 'p2', 'p3'].map(
        (agent) =>
          new Promise<ReturnType<typeof claimers>>((resolve) => {
            const log = join(dir, '..', `${agent}.log`);
            const child = spawn(process.execPath, [join(WORKERS, 'sharedClaimers.mjs'), DIST, log, '8', 'cycle', ''], { env: storeEnv(dir, { AGENT_ID: agent }), stdio: ['ignore', 'ignore', 'pipe'] });
            children.add(child.pid!);
            let stderr = '';
            child.stderr!.on('data', (d) => (stderr += d));
            child.on('close', (code, signal) => {
              const claims = (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []).map((l) => l.split(' ').slice(1) as [string, string]);
              resolve({ code, signal, stderr, claims });
            });
          }),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ids = results.flatMap((r) => r.claims.map(([, id]) => id));
    expect(ids).toHaveLength(150);
    expect(new Set(ids)).toEqual(new Set(order));
    const s = readStore(dir);
    const places = assertExactlyOnce(s, order);
    expect([...places.values()].every((p) => p === 'completed')).toBe(true);
    for (const r of results) for (const [agent, id] of r.claims) expect(s.completed.get(id)?.agent_id).toBe(agent);
  });
});

describe('claim-next passes over an item whose active shard is busy', () => {
  it('takes the next item of the same priority while the best one’s shard is locked, and the best one next', async () => {
    const dir = join(tempDir(), 'store');
    const order = await seed(dir, 12, 16, false);
    const heldFile = routedFile(order[0]!, 16, 16);
    const expected = order.find((id) => routedFile(id, 16, 16) !== heldFile)!;
    const release = await holdLock(join(dir, heldFile));
    const env = storeEnv(dir, { AGENT_ID: 'skipper', FLOCK_TIMEOUT: '20' });
    const first = runSync(['claim-next'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(expected);
    release();
    const second = runSync(['claim-next'], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe(order[0]);
    assertExactlyOnce(readStore(dir), order);
  });

  it('waits for the shard when every candidate’s shard is busy, then hands out the best item', async () => {
    const dir = join(tempDir(), 'store');
    const order = await seed(dir, 3, 1, false); // one shard: every item's
    const release = await holdLock(join(dir, routedFile(order[0]!, 1, 1)));
    const pending = run(['claim-next'], storeEnv(dir, { AGENT_ID: 'waiter', FLOCK_TIMEOUT: '20' }));
    let finished = false;
    void pending.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 800));
    expect(finished, 'claim-next gave up or reordered instead of waiting').toBe(false);
    release();
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(order[0]);
  });
});

describe('claim-next steps around a damaged shard', () => {
  it('with shards/ replaced by a symlink, the items routed there stay queued and every other item is handed out', async () => {
    const dir = join(tempDir(), 'store');
    // One shard that splits after 64 active items: 70 claims make shards/work_claims.001.json.
    const coord = await Coordinator.open({ dir, fsync: false, shards: 1, agentId: 'filler', env: {} });
    for (let i = 0; i < 70; i++) await coord.claim({ workType: 'feature', description: `fill ${i}`, priority: 'medium', team: 'team_a' });
    await coord.close();
    const count = (JSON.parse(readFileSync(join(dir, 'swarmfile.json'), 'utf8')) as { active_shards: number }).active_shards;
    expect(count).toBeGreaterThan(1);
    const order = await seed(dir, 24, 1, false);
    const elsewhere = join(dir, '..', 'elsewhere');
    fs.renameSync(join(dir, 'shards'), elsewhere);
    fs.symlinkSync(elsewhere, join(dir, 'shards'));
    const healthy = order.filter((id) => !routedFile(id, 1, count).startsWith('shards/'));
    expect(healthy.length).toBeGreaterThan(0);
    expect(healthy.length).toBeLessThan(order.length);
    // 8 claimers of one process: the damage fails none of them, and nothing is written through the link.
    const before = fs.readdirSync(elsewhere).sort();
    const r = claimers(dir, 'careful', 8, 'claim');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('claim-next went on without it');
    expect(new Set(r.claims.map(([, id]) => id))).toEqual(new Set(healthy));
    expect(fs.readdirSync(elsewhere).sort()).toEqual(before);
  });
});

describe('a SIGKILL inside a shared claim-next commit', () => {
  for (const step of ['after-intent', 'after-op-3']) {
    it(`at ${step}: the shared commit's claims all stand after recovery, nothing doubled or lost`, async () => {
      const dir = join(tempDir(), 'store');
      const order = await seed(dir, 60, 16, false);
      // after-op-3 is only reached by a commit of at least 4 files: a segment and 3 shards, so 3 claimers served at once.
      const r = claimers(dir, 'doomed', 8, 'claim', '', { SWARMFILE_CRASH_AT: step });
      expect(r.signal).toBe('SIGKILL');
      // fsck judges the store as the pending intent will leave it: no damage, before any recovery.
      const early = runSync(['fsck'], storeEnv(dir));
      expect(early.code, early.stdout + early.stderr).toBe(0);
      // The next claimer replays the orphaned intent before it reads the segment.
      const next = runSync(['claim-next'], storeEnv(dir, { AGENT_ID: 'survivor' }));
      expect(next.code, next.stderr).toBe(0);
      const s = readStore(dir);
      const places = assertExactlyOnce(s, order);
      const active = order.filter((id) => places.get(id) === 'active');
      // No shard was busy: claims went out strictly in order, so what is active is a prefix.
      expect(active).toEqual(order.slice(0, active.length));
      expect(s.active.get(next.stdout.trim())?.agent_id).toBe('survivor');
      const doomed = active.filter((id) => s.active.get(id)?.agent_id?.startsWith('doomed_'));
      for (const [, id] of r.claims) expect(doomed).toContain(id);
      // What the killed process committed goes beyond what it lived to report.
      if (step === 'after-op-3') expect(doomed.length).toBeGreaterThanOrEqual(r.claims.length + 3);
      expect(active.length).toBe(doomed.length + 1);
    });
  }
});

/**
 * Seeds 200 items, then repeats `look` (from this process) while 8 claimers in another process
 * drain them (claim-next, progress, complete) until that process ends; returns how often it looked.
 */
async function whileDraining(look: (c: CoordinatorType, n: number, order: readonly string[]) => Promise<void>): Promise<void> {
  const dir = join(tempDir(), 'store');
  const order = await seed(dir, 200, 4, false);
  const looker = await Coordinator.open({ dir, agentId: 'looker', env: {} });
  const child = spawn(process.execPath, [join(WORKERS, 'sharedClaimers.mjs'), DIST, join(dir, '..', 'drain.log'), '8', 'cycle', ''], { env: storeEnv(dir, { AGENT_ID: 'drain' }), stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child.pid!);
  let exited = false;
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => ((exited = true), resolve(code))));
  let looks = 0;
  try {
    while (!exited) await look(looker, ++looks, order);
  } finally {
    await looker.close();
  }
  expect(await done).toBe(0);
  expect(looks).toBeGreaterThan(3);
  const places = assertExactlyOnce(readStore(dir), order);
  expect([...places.values()].every((p) => p === 'completed')).toBe(true);
}

describe('reading without locks while claim-next moves items', () => {
  it('list --all never shows an item twice or misses one while 8 claimers drain a backlog of 200 (claim, progress, complete)', async () => {
    await whileDraining(async (c, n, order) => {
      const ids = (await c.list({ all: true })).map((w) => w.work_item_id);
      expect(ids.length, `listing ${n}`).toBe(new Set(ids).size);
      expect(new Set(ids), `listing ${n}`).toEqual(new Set(order));
    });
  });

  it('fsck reports no damage while 8 claimers drain the backlog: a change seen half-way by one pass is not damage', async () => {
    await whileDraining(async (c, n) => {
      const report = await c.fsck();
      expect(report.findings.filter((f) => f.severity === 'damage'), `check ${n}`).toEqual([]);
    });
  });
});
