/**
 * File-path reservations tied to claims (issue 9), on every store: reserve is all or nothing and
 * names who is in the way; shared/exclusive modes and glob overlaps; only the live claim's owner
 * (with its current fencing token) may reserve; reservations end with the claim (complete, fail,
 * release, cancel, reap); unreserve; bad paths are refused without a write; claim-next passes over
 * an item whose declared paths (add --paths) are reserved; check-paths; fsck of the table's files.
 * Outcomes are checked from the store itself (the reserved_paths of its active items, and on the
 * file store the index files), not only from what the commands print.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, PG_URL, readTestStore, schemaOf, storeDigest, type TestStore } from '../support/backends.js';
import { CLI, DIST, readJson, tempDir, type CliResult } from '../support/index.js';
import { scanStore } from '../support/storeInvariants.mjs';

// The built library, the same code the CLI runs (types from the sources).
const { Coordinator } = (await import(join(DIST, 'coordinator/Coordinator.js'))) as typeof import('../../src/coordinator/Coordinator.js');
type CoordinatorType = import('../../src/coordinator/Coordinator.js').Coordinator;
type WorkItem = import('../../src/model/types.js').WorkItem;
type ReservedPath = import('../../src/model/types.js').ReservedPath;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The error code a call ends with ('OK' when it succeeds). */
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => String((e as { code?: string })?.code ?? e));
const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected the call to fail'); }, (e: unknown) => e as { code: string; message: string; details?: Record<string, unknown> });
const pathsOf = (rs: readonly { path: string }[] | undefined) => (rs ?? []).map((r) => r.path).sort();
const hasGit = spawnSync('git', ['--version']).status === 0;

/** The JSON of one conflict (reserve --json, check-paths --json, ready --held-back --json). */
const CONFLICT_KEYS = ['agent_id', 'fencing_token', 'held_path', 'lease_expires_at', 'path', 'reason', 'shared', 'work_item_id'];

/** A test's world: a store, a repository root the paths are relative to, coordinators per agent, and the CLI. */
function world(backend: (typeof BACKENDS)[number]) {
  const store = freshStore(backend);
  const root = tempDir('swarmfile-repo-');
  mkdirSync(join(root, 'src', 'sub'), { recursive: true });
  const scope = { root, cwd: root };
  const opened: CoordinatorType[] = [];
  const open = async (agentId: string) => {
    const c = await Coordinator.open({ ...store.open, agentId, env: { SWARMFILE_FSYNC: '0', REAP_INTERVAL_MS: '0' } });
    opened.push(c);
    return c;
  };
  /** The CLI as `agent`, in `cwd` (default: the root), with the store's environment. */
  const cli = (agent: string, args: string[], cwd = root): CliResult => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd, env: envFor(store, { AGENT_ID: agent, SWARMFILE_FSYNC: '0' }), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  };
  /** The same, without blocking the event loop (for concurrent runs). */
  const cliAsync = (agent: string, args: string[], cwd = root): Promise<CliResult> =>
    new Promise((done) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd, env: envFor(store, { AGENT_ID: agent, SWARMFILE_FSYNC: '0' }) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
    });
  const close = async () => {
    for (const c of opened) await c.close();
  };
  return { store, root, scope, open, cli, cliAsync, close };
}

/** Ground truth: each active item's reserved paths, read from the store (files, or the tables) without swarmfile's code. */
async function storedReservations(store: TestStore): Promise<Map<string, ReservedPath[]>> {
  const s = await readTestStore(store);
  const out = new Map<string, ReservedPath[]>();
  for (const [id, w] of s.active) if (Array.isArray(w.reserved_paths) && w.reserved_paths.length) out.set(id, w.reserved_paths as ReservedPath[]);
  // Only active items may hold reservations: they end with the claim.
  for (const place of [s.backlog, s.waiting, s.dead, s.completed, s.cancelled]) {
    for (const [id, w] of place) expect(w.reserved_paths, `${id} holds reservations outside the active place`).toBeUndefined();
  }
  return out;
}

type IndexRow = { path: string; work_item_id: string; fencing_token: number };

/**
 * The reservation index as stored: the file store's reservations.json (broad rows) and
 * shards/reservations.NNN.json buckets, or PostgreSQL's <schema>.reservations table. Rows of an
 * ended claim must leave it in the change that ends the claim.
 */
async function indexRows(store: TestStore): Promise<IndexRow[]> {
  const dir = store.dir;
  if (store.backend === 'file') {
    const rows: IndexRow[] = [];
    if (existsSync(join(dir, 'reservations.json'))) rows.push(...(readJson(join(dir, 'reservations.json')) as { broad: IndexRow[] }).broad);
    const shards = join(dir, 'shards');
    if (existsSync(shards)) for (const f of readdirSync(shards).filter((n) => /^reservations\.\d{3}\.json$/.test(n))) rows.push(...(readJson(join(shards, f)) as IndexRow[]));
    return rows;
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const r = await client.query(`SELECT work_item_id, fencing_token, path FROM "${schemaOf(store)}".reservations ORDER BY work_item_id, path`);
    return r.rows as IndexRow[];
  } finally {
    await client.end();
  }
}
/** Without crashes, the index holds exactly the rows of the active items' reserved_paths (with their fencing tokens). */
async function expectIndexMatchesItems(store: TestStore): Promise<void> {
  const s = await readTestStore(store);
  const truth = [...(await storedReservations(store))].flatMap(([id, rs]) => rs.map((r) => `${id} ${s.active.get(id)!.fencing_token} ${r.path}`)).sort();
  expect((await indexRows(store)).map((r) => `${r.work_item_id} ${r.fencing_token} ${r.path}`).sort()).toEqual(truth);
}
/** The index rows of one claim, by path. */
const indexPathsOf = async (store: TestStore, id: string) => (await indexRows(store)).filter((r) => r.work_item_id === id).map((r) => r.path).sort();

describe.each(BACKENDS)('file-path reservations (%s store)', (backend) => {
  it('reserve is all or nothing: one conflicting path of three reserves none, and the conflict names path, holder, claim and lease', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const held = await a1.claim({ workType: 'refactor', description: 'core' });
    await a1.reserve(held.work_item_id, ['src/core/**'], { ...w.scope, reason: 'moving core' });
    const mine = await a2.claim({ workType: 'feature', description: 'docs and lib' });
    const want = ['docs/a.md', 'src/core/x.ts', 'lib/b.ts'];

    const err = await errorOf(a2.reserve(mine.work_item_id, want, w.scope));
    expect(err.code).toBe('CONFLICT');
    const heldNow = await a1.show(held.work_item_id);
    expect(err.details!.conflicts).toEqual([
      { path: 'src/core/x.ts', held_path: 'src/core/**', shared: false, agent_id: 'agent_1', work_item_id: held.work_item_id, fencing_token: heldNow.fencing_token, lease_expires_at: heldNow.lease_expires_at, reason: 'moving core' },
    ]);
    expect(heldNow.lease_expires_at).toBeTruthy();
    // Nothing of the three: not on the item, not in the listing, not in the store.
    expect((await a2.show(mine.work_item_id)).reserved_paths ?? []).toEqual([]);
    expect(await a2.reservations({ workId: mine.work_item_id })).toEqual([]);
    expect((await a2.reservations()).map((r) => [r.path, r.work_item_id])).toEqual([['src/core/**', held.work_item_id]]);
    let stored = await storedReservations(w.store);
    expect([...stored.keys()]).toEqual([held.work_item_id]);

    // The CLI: exit 12, every conflict named on stderr; with --json the conflicts on stdout.
    const r = w.cli('agent_2', ['reserve', '--work', mine.work_item_id, '--root', w.root, ...want]);
    expect(r.code, r.stderr).toBe(12);
    expect(r.stderr).toContain('[CONFLICT]');
    for (const part of ['src/core/x.ts', 'agent_1', held.work_item_id, heldNow.lease_expires_at!]) expect(r.stderr).toContain(part);
    expect(r.stdout).toBe('');
    const j = w.cli('agent_2', ['--json', 'reserve', '--work', mine.work_item_id, '--root', w.root, ...want]);
    expect(j.code, j.stderr).toBe(12);
    const body = JSON.parse(j.stdout) as { error: string; conflicts: Record<string, unknown>[] };
    expect(Object.keys(body).sort()).toEqual(['conflicts', 'error']);
    expect(body.error).toBe('CONFLICT');
    expect(body.conflicts).toHaveLength(1);
    expect(Object.keys(body.conflicts[0]!).sort()).toEqual(CONFLICT_KEYS);
    expect(body.conflicts[0]).toEqual((err.details!.conflicts as unknown[])[0]);
    stored = await storedReservations(w.store);
    expect([...stored.keys()]).toEqual([held.work_item_id]);

    // Without the conflicting path it goes through; --json prints {work_item_id, fencing_token, reserved_paths}.
    const ok = w.cli('agent_2', ['--json', 'reserve', '--work', mine.work_item_id, '--root', w.root, '--shared', '--reason', 'reading', 'docs/a.md', 'lib/b.ts']);
    expect(ok.code, ok.stderr).toBe(0);
    const got = JSON.parse(ok.stdout) as { work_item_id: string; fencing_token: number; reserved_paths: ReservedPath[] };
    expect(Object.keys(got).sort()).toEqual(['fencing_token', 'reserved_paths', 'work_item_id']);
    expect(got.work_item_id).toBe(mine.work_item_id);
    expect(got.fencing_token).toBe(mine.fencing_token);
    for (const rp of got.reserved_paths) expect(rp.reserved_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(got.reserved_paths.map(({ reserved_at: _at, ...rest }) => rest)).toEqual([
      { path: 'docs/a.md', shared: true, reason: 'reading' },
      { path: 'lib/b.ts', shared: true, reason: 'reading' },
    ]);
    stored = await storedReservations(w.store);
    expect(pathsOf(stored.get(mine.work_item_id))).toEqual(['docs/a.md', 'lib/b.ts']);
    expect(pathsOf(stored.get(held.work_item_id))).toEqual(['src/core/**']);

    // reservations: live ones, filtered by agent, claim or an overlapping path.
    const listed = w.cli('agent_3', ['--json', 'reservations', '--root', w.root, '--path', 'src/core/deep/er.ts']);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(rows.map((r) => Object.keys(r).sort())).toEqual([['agent_id', 'fencing_token', 'lease_expires_at', 'path', 'reason', 'reserved_at', 'shared', 'work_item_id']]);
    expect(rows[0]).toMatchObject({ path: 'src/core/**', shared: false, agent_id: 'agent_1', work_item_id: held.work_item_id, fencing_token: heldNow.fencing_token, lease_expires_at: heldNow.lease_expires_at, reason: 'moving core' });
    expect((await a1.reservations({ path: '*/a.md', ...w.scope })).map((r) => r.path)).toEqual(['docs/a.md']);
    expect((await a1.reservations({ agentId: 'agent_2' })).map((r) => r.path)).toEqual(['docs/a.md', 'lib/b.ts']);
    expect((await a1.reservations({ workId: held.work_item_id })).map((r) => r.path)).toEqual(['src/core/**']);
    await expectIndexMatchesItems(w.store);
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('shared with shared is fine; shared and exclusive conflict both ways, also between two claims of one agent; re-reserving one’s own path replaces it', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const x = (await a1.claim({ workType: 'feature', description: 'x' })).work_item_id;
    const y = (await a2.claim({ workType: 'feature', description: 'y' })).work_item_id;
    const z = (await a1.claim({ workType: 'feature', description: 'z, a second claim of agent_1' })).work_item_id;
    const res = (c: CoordinatorType, id: string, paths: string[], shared = false) => codeOf(c.reserve(id, paths, { ...w.scope, shared }));

    expect(await res(a1, x, ['src/shared.ts'], true)).toBe('OK');
    expect(await res(a2, y, ['src/shared.ts'], true)).toBe('OK');
    // Exclusive against shared ones: both holders are named, agent_1's own other claim too.
    const err = await errorOf(a1.reserve(z, ['src/shared.ts'], w.scope));
    expect(err.code).toBe('CONFLICT');
    const holders = (err.details!.conflicts as { work_item_id: string; shared: boolean }[]).map((c) => [c.work_item_id, c.shared]).sort();
    expect(holders).toEqual([[x, true], [y, true]].sort());
    // Shared against an exclusive one.
    expect(await res(a2, y, ['src/excl.ts'])).toBe('OK');
    expect(await res(a1, x, ['src/excl.ts'], true)).toBe('CONFLICT');
    // The same agent's second claim is another claim: it conflicts like anyone's.
    expect(await res(a1, x, ['same/agent.ts'])).toBe('OK');
    const same = await errorOf(a1.reserve(z, ['same/agent.ts'], w.scope));
    expect(same.code).toBe('CONFLICT');
    expect(same.details!.conflicts).toMatchObject([{ agent_id: 'agent_1', work_item_id: x }]);

    // Re-reserving one's own path replaces it: exclusive -> shared lets a reader in; one entry, not two.
    expect(await res(a1, x, ['own/p.ts'])).toBe('OK');
    expect(await res(a2, y, ['own/p.ts'], true)).toBe('CONFLICT');
    const item = await a1.reserve(x, ['own/p.ts'], { ...w.scope, shared: true, reason: 'now only reading' });
    expect(item.reserved_paths!.filter((r) => r.path === 'own/p.ts')).toMatchObject([{ path: 'own/p.ts', shared: true, reason: 'now only reading' }]);
    expect(await res(a2, y, ['own/p.ts'], true)).toBe('OK');
    // Back to exclusive is refused while the reader holds it, and the shared one stays.
    expect(await res(a1, x, ['own/p.ts'])).toBe('CONFLICT');
    const stored = await storedReservations(w.store);
    expect(stored.get(x)!.filter((r) => r.path === 'own/p.ts')).toMatchObject([{ shared: true }]);
    expect(pathsOf(stored.get(x))).toEqual(['own/p.ts', 'same/agent.ts', 'src/shared.ts']);
    expect(pathsOf(stored.get(y))).toEqual(['own/p.ts', 'src/excl.ts', 'src/shared.ts']);
    expect(stored.has(z)).toBe(false);

    // Glob overlaps, each checked both ways from a clean slate.
    await a1.unreserve(x, null, w.scope);
    await a2.unreserve(y, null, w.scope);
    const overlap = async (p: string, q: string) => {
      const seen: boolean[] = [];
      for (const [first, second] of [
        [p, q],
        [q, p],
      ] as const) {
        expect(await res(a1, x, [first])).toBe('OK');
        const code = await res(a2, y, [second]);
        expect(['OK', 'CONFLICT']).toContain(code);
        seen.push(code === 'CONFLICT');
        await a1.unreserve(x, null, w.scope);
        await a2.unreserve(y, null, w.scope);
      }
      expect(seen[0], `${p} vs ${q} is not symmetric`).toBe(seen[1]);
      return seen[0];
    };
    expect(await overlap('src/**', 'src/a/b.ts')).toBe(true);
    expect(await overlap('*.md', 'docs/x.md')).toBe(false); // `*` does not cross `/`
    expect(await overlap('*.md', 'README.md')).toBe(true);
    expect(await overlap('**/*.md', 'docs/x.md')).toBe(true);
    expect(await overlap('{a,b}/x', 'b/*')).toBe(true);
    expect(await overlap('{a,b}/x', 'c/*')).toBe(false);
    expect(await overlap('src/', 'src/deep/er/file.ts')).toBe(true);
    expect(await overlap('src/a/*.ts', 'src/b/*.ts')).toBe(false);
    expect(await overlap('src/*/x.ts', 'src/a/*')).toBe(true);
    expect(await storedReservations(w.store)).toEqual(new Map());
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('only the live claim’s owner may reserve: another agent and a stale fencing token get NOT_OWNER; a reclaimed claim’s reservations are gone', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const x = (await a1.claim({ workType: 'feature', description: 'x' })).work_item_id;
    await a1.reserve(x, ['own/a.ts'], w.scope);
    expect(await codeOf(a2.reserve(x, ['own/b.ts'], w.scope))).toBe('NOT_OWNER');
    const r = w.cli('agent_2', ['reserve', '--work', x, '--root', w.root, 'own/b.ts']);
    expect(r.code, r.stderr).toBe(8);
    expect(r.stderr).toContain('[NOT_OWNER]');
    expect(pathsOf((await storedReservations(w.store)).get(x))).toEqual(['own/a.ts']);

    // Claim (token 1), reserve, release, claim again (token 2): the old token is stale.
    const queued = (await a1.add({ workType: 'feature', description: 'reclaimed' })).work_item_id;
    const first = await a1.claimNext();
    expect(first.work_item_id).toBe(queued);
    await a1.reserve(queued, ['stale/a.ts'], { ...w.scope, token: first.fencing_token });
    await a1.release(queued);
    const second = await a1.claimNext();
    expect(second.work_item_id).toBe(queued);
    expect(second.fencing_token).toBe(first.fencing_token! + 1);
    // The first claim's reservations ended with it: the new claim starts with none.
    expect(second.reserved_paths ?? []).toEqual([]);
    expect(await a1.reservations({ workId: queued })).toEqual([]);
    expect((await storedReservations(w.store)).has(queued)).toBe(false);
    const stale = w.cli('agent_1', ['reserve', '--work', queued, '--token', String(first.fencing_token), '--root', w.root, 'stale/b.ts']);
    expect(stale.code, stale.stderr).toBe(8);
    expect(stale.stderr).toMatch(/\[NOT_OWNER\].*stale/);
    expect(await codeOf(a1.reserve(queued, ['stale/b.ts'], { ...w.scope, token: first.fencing_token }))).toBe('NOT_OWNER');
    expect((await storedReservations(w.store)).has(queued)).toBe(false);
    // Another agent may now reserve what the old claim held; the current token may reserve too.
    const y = (await a2.claim({ workType: 'feature', description: 'y' })).work_item_id;
    expect(await codeOf(a2.reserve(y, ['stale/a.ts'], w.scope))).toBe('OK');
    expect(await codeOf(a1.reserve(queued, ['stale/b.ts'], { ...w.scope, token: second.fencing_token }))).toBe('OK');
    const stored = await storedReservations(w.store);
    expect(pathsOf(stored.get(queued))).toEqual(['stale/b.ts']);
    expect(pathsOf(stored.get(y))).toEqual(['stale/a.ts']);
    await w.close();
  });

  it('reservations end with the claim: complete, fail, release, cancel and reap each free the paths for another claim', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const other = (await a2.claim({ workType: 'feature', description: 'the next one in line' })).work_item_id;
    const ends: Record<string, (id: string) => Promise<unknown>> = {
      complete: (id) => a1.complete(id),
      fail: (id) => a1.fail(id, { reason: 'broke' }),
      release: (id) => a1.release(id),
      cancel: (id) => a1.cancel(id),
    };
    for (const [how, end] of Object.entries(ends)) {
      const id = (await a1.claim({ workType: 'feature', description: how })).work_item_id;
      const paths = [`end/${how}/**`, `end/${how}.md`, '*.lock'];
      await a1.reserve(id, paths, w.scope);
      expect(await codeOf(a2.reserve(other, [`end/${how}/x.ts`], w.scope)), how).toBe('CONFLICT');
      expect(await indexPathsOf(w.store, id), how).toEqual([...paths].sort());
      await end(id);
      // The index rows leave with the claim, not only its item's list (checked before anything else
      // runs: a listing may reap, and a reap sweeps dead rows).
      expect(await indexPathsOf(w.store, id), how).toEqual([]);
      expect((await storedReservations(w.store)).has(id), how).toBe(false);
      expect(await a1.reservations({ workId: id }), how).toEqual([]);
      expect((await a1.show(id)).reserved_paths, how).toBeUndefined();
      expect(await codeOf(a2.reserve(other, [`end/${how}/x.ts`, `end/${how}.md`, 'x.lock'], w.scope)), how).toBe('OK');
      await a2.unreserve(other, null, w.scope);
    }

    // Reap on lease expiry, through the CLI: claim with a 1 s lease, reserve, let it expire, reap.
    const c = w.cli('agent_1', ['-q', 'claim', '--lease', '1', 'short_lease', 'short lease']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    const r = w.cli('agent_1', ['reserve', '--work', id, '--root', w.root, 'end/reap/**']);
    expect(r.code, r.stderr).toBe(0);
    expect(pathsOf((await storedReservations(w.store)).get(id))).toEqual(['end/reap/**']);
    await sleep(1_500);
    const reap = w.cli('agent_3', ['--json', 'reap']);
    expect(reap.code, reap.stderr).toBe(0);
    expect((JSON.parse(reap.stdout) as { reaped: { work_item_id: string }[] }).reaped.map((x) => x.work_item_id)).toContain(id);
    expect((await storedReservations(w.store)).has(id)).toBe(false);
    expect(await indexPathsOf(w.store, id)).toEqual([]);
    expect(await codeOf(a2.reserve(other, ['end/reap/y.ts'], w.scope))).toBe('OK');
    // Reclaimed by another agent, the item starts without the old claim's reservations.
    const again = await a2.claimNext({ workType: 'short_lease' });
    expect(again.work_item_id).toBe(id);
    expect(again.reserved_paths ?? []).toEqual([]);
    expect(pathsOf((await storedReservations(w.store)).get(other))).toEqual(['end/reap/y.ts']);
    await w.close();
  });

  it('a claim in the way whose registered agent went silent (agent stale) is reaped on the spot by reserve and check-paths; an agent heard from on another claim keeps its paths', async () => {
    const w = world(backend);
    const env = { SWARMFILE_FSYNC: '0', REAP_INTERVAL_MS: '0', AGENT_STALE_SECONDS: '2' };
    const open = (agentId: string) => Coordinator.open({ ...w.store.open, agentId, env });
    const [silent, busy, judge] = [await open('agent_silent'), await open('agent_busy'), await open('agent_judge')];
    for (const [c, name] of [[silent, 'agent_silent'], [busy, 'agent_busy']] as const) await c.register({ agentId: name });
    // Every claim's process (this one) is alive and its lease long: only silence can end them.
    const claim = async (c: CoordinatorType, what: string) => (await c.claim({ workType: 'feature', description: what, leaseSeconds: 3600 })).work_item_id;
    const [quiet1, quiet2, held, talking, mine] = [await claim(silent, 'silent 1'), await claim(silent, 'silent 2'), await claim(busy, 'holds paths, untouched'), await claim(busy, 'keeps talking'), await claim(judge, 'wants the paths')];
    await silent.reserve(quiet1, ['stale1/**'], w.scope);
    await silent.reserve(quiet2, ['stale2/**'], w.scope);
    await busy.reserve(held, ['busy/**'], w.scope);
    // The busy agent is heard from only through its other claim.
    let talk = true;
    const heartbeats = (async () => {
      while (talk) {
        await busy.heartbeat(talking);
        await sleep(200);
      }
    })();
    // Past AGENT_STALE_SECONDS and the second the last sign is recorded to.
    await sleep(3_600);
    try {
      const s0 = await readTestStore(w.store);
      expect([quiet1, quiet2, held].every((id) => s0.active.has(id)), 'nothing reaped the claims before the checks').toBe(true);
      // check-paths: the busy agent's file stays a conflict; the silent agent's claim is reaped.
      const check = await judge.checkPaths(['busy/a.ts', 'stale1/a.ts'], w.scope);
      expect(check.conflicts.map((c) => `${c.path} ${c.held.work_item_id}`)).toEqual([`busy/a.ts ${held}`]);
      // reserve: the same judgement.
      expect(await codeOf(judge.reserve(mine, ['busy/x.ts'], w.scope))).toBe('CONFLICT');
      expect(await codeOf(judge.reserve(mine, ['stale2/x.ts'], w.scope))).toBe('OK');
    } finally {
      talk = false;
      await heartbeats;
    }
    const s = await readTestStore(w.store);
    for (const id of [quiet1, quiet2]) {
      expect(s.active.has(id), `${id} left the active place`).toBe(false);
      const back = s.backlog.get(id) as WorkItem | undefined;
      expect(back?.failures?.at(-1)?.outcome).toBe('agent_stale');
      expect(back?.reserved_paths).toBeUndefined();
    }
    expect(s.active.has(held) && s.active.has(talking)).toBe(true);
    expect(pathsOf((await storedReservations(w.store)).get(mine))).toEqual(['stale2/x.ts']);
    await expectIndexMatchesItems(w.store);
    for (const c of [silent, busy, judge]) await c.close();
    await w.close();
  });

  it('two processes reserving overlapping paths at once: exactly one gets them, all of them', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    for (let round = 0; round < 3; round++) {
      const x = (await a1.claim({ workType: 'feature', description: `x${round}` })).work_item_id;
      const y = (await a2.claim({ workType: 'feature', description: `y${round}` })).work_item_id;
      // Opposite orders, one overlap each way: a half-done reservation would show as both holding something.
      const [rx, ry] = await Promise.all([
        w.cliAsync('agent_1', ['reserve', '--work', x, '--root', w.root, `race${round}/a.ts`, `race${round}/only_x.ts`, `race${round}/b/**`]),
        w.cliAsync('agent_2', ['reserve', '--work', y, '--root', w.root, `race${round}/b/c.ts`, `race${round}/only_y.ts`, `race${round}/a.ts`]),
      ]);
      expect([rx.code, ry.code].sort(), `${rx.stderr}\n${ry.stderr}`).toEqual([0, 12]);
      const stored = await storedReservations(w.store);
      const [winner, loser] = rx.code === 0 ? [x, y] : [y, x];
      expect(stored.get(winner), `round ${round}`).toHaveLength(3);
      expect(stored.has(loser), `round ${round}`).toBe(false);
      expect(await indexPathsOf(w.store, winner)).toEqual(pathsOf(stored.get(winner)));
      expect(await indexPathsOf(w.store, loser)).toEqual([]);
      await a1.complete(x);
      await a2.complete(y);
    }
    expect(await storedReservations(w.store)).toEqual(new Map());
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('unreserve gives up the paths named (naming those not held) or all of them', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const x = (await a1.claim({ workType: 'feature', description: 'x' })).work_item_id;
    const y = (await a2.claim({ workType: 'feature', description: 'y' })).work_item_id;
    await a1.reserve(x, ['u/a.ts', 'u/b.ts', 'u/c/**', 'u/d.ts'], w.scope);
    const rep = await a1.unreserve(x, ['u/a.ts', 'u/zzz.ts'], w.scope);
    expect(rep.removed).toEqual(['u/a.ts']);
    expect(rep.not_held).toEqual(['u/zzz.ts']);
    expect(pathsOf(rep.item.reserved_paths)).toEqual(['u/b.ts', 'u/c/**', 'u/d.ts']);
    expect(pathsOf((await storedReservations(w.store)).get(x))).toEqual(['u/b.ts', 'u/c/**', 'u/d.ts']);
    expect(await codeOf(a2.reserve(y, ['u/a.ts'], w.scope))).toBe('OK');
    expect(await codeOf(a2.reserve(y, ['u/b.ts'], w.scope))).toBe('CONFLICT');
    // Another agent cannot give up someone else's reservations.
    expect(await codeOf(a2.unreserve(x, ['u/b.ts'], w.scope))).toBe('NOT_OWNER');

    const cli = w.cli('agent_1', ['unreserve', '--work', x, '--root', w.root, 'u/b.ts', 'u/nope.ts']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain('u/nope.ts');
    expect(pathsOf((await storedReservations(w.store)).get(x))).toEqual(['u/c/**', 'u/d.ts']);
    expect(w.cli('agent_1', ['unreserve', '--work', x]).code).toBe(2);
    const all = w.cli('agent_1', ['--json', 'unreserve', '--work', x, '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toMatchObject({ work_item_id: x, removed: ['u/c/**', 'u/d.ts'], not_held: [], reserved_paths: [] });
    const stored = await storedReservations(w.store);
    expect(stored.has(x)).toBe(false);
    expect(pathsOf(stored.get(y))).toEqual(['u/a.ts']);
    expect(await a1.reservations({ agentId: 'agent_1' })).toEqual([]);
    expect(await codeOf(a2.reserve(y, ['u/**'], w.scope))).toBe('OK');
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('paths escaping the root, absolute paths outside it and control characters are refused (exit 2) with nothing written; relative paths are taken from the current directory', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const x = (await a1.claim({ workType: 'feature', description: 'x' })).work_item_id;
    await a1.reserve(x, ['kept/a.ts'], w.scope);
    const listed = JSON.stringify(await a1.reservations());
    const before = await storeDigest(w.store);
    const rowsBefore = JSON.stringify(await indexRows(w.store));

    for (const bad of [['../outside.ts'], ['src/../../outside.ts'], ['/etc/passwd'], ['ok/a.ts', 'a\u0000b'], ['ok/a.ts', 'line\nbreak'], ['tab\there'], ['esc\u001b[2J'], ['del\u007f']]) {
      expect(await codeOf(a1.reserve(x, bad, w.scope)), JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
    // A relative path from a directory outside the root.
    expect(await codeOf(a1.reserve(x, ['a.ts'], { root: w.root, cwd: tempDir() }))).toBe('INVALID_INPUT');
    expect(await codeOf(a1.reserve(x, ['a.ts'], { root: join(w.root, 'no_such_dir'), cwd: w.root }))).toBe('INVALID_INPUT');
    const notDir = join(w.root, 'file.txt');
    writeFileSync(notDir, 'x');
    for (const args of [
      ['reserve', '--work', x, '--root', w.root, 'ok/a.ts', '../../etc/x'],
      ['reserve', '--work', x, '--root', w.root, '/etc/passwd'],
      ['reserve', '--work', x, '--root', w.root, 'ok/a.ts', 'bell\u0007'],
      ['reserve', '--work', x, '--root', notDir, 'ok/a.ts'],
      ['check-paths', '--root', w.root, '../x.ts'],
    ]) {
      const r = w.cli('agent_1', args);
      expect(r.code, `${JSON.stringify(args)}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/\[INVALID_INPUT\]/);
    }
    expect(await storeDigest(w.store)).toBe(before);
    // The index rows and the listing, checked directly as well.
    expect(JSON.stringify(await indexRows(w.store))).toBe(rowsBefore);
    expect(JSON.stringify(await a1.reservations())).toBe(listed);
    expect(pathsOf((await storedReservations(w.store)).get(x))).toEqual(['kept/a.ts']);

    // Inside the root, absolute and relative paths are normalised to the root.
    const sub = join(w.root, 'src', 'sub');
    const item = await a1.reserve(x, [join(w.root, 'abs', 'p.ts'), '../lib.ts', './here/*.ts', 'tree/', 'x/../y.ts'], { root: w.root, cwd: sub });
    expect(pathsOf(item.reserved_paths)).toEqual(['abs/p.ts', 'kept/a.ts', 'src/lib.ts', 'src/sub/here/*.ts', 'src/sub/tree/**', 'src/sub/y.ts']);
    const r = w.cli('agent_1', ['--json', 'reserve', '--work', x, '--root', w.root, '../cli.ts', 'deep/{a,b}.ts'], sub);
    expect(r.code, r.stderr).toBe(0);
    expect(pathsOf((JSON.parse(r.stdout) as { reserved_paths: ReservedPath[] }).reserved_paths)).toEqual(expect.arrayContaining(['src/cli.ts', 'src/sub/deep/{a,b}.ts']));
    if (hasGit) {
      // Without --root, the root is the git top level of the current directory.
      expect(spawnSync('git', ['init', '-q', w.root]).status).toBe(0);
      const g = w.cli('agent_1', ['reserve', '--work', x, 'from_git.ts'], sub);
      expect(g.code, g.stderr).toBe(0);
    }
    const stored = pathsOf((await storedReservations(w.store)).get(x));
    expect(stored).toEqual(expect.arrayContaining(['src/cli.ts', 'src/sub/deep/{a,b}.ts', ...(hasGit ? ['src/sub/from_git.ts'] : [])]));
    await w.close();
  });

  it('add --paths: claim-next passes over an item whose paths another claim holds, ready says why, and the item is handed out with its paths reserved once they are free', async () => {
    const w = world(backend);
    const boss = await w.open('boss');
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const a3 = await w.open('agent_3');
    const addA = w.cli('boss', ['-q', 'add', 'feature', 'A', 'medium', '--root', w.root, '--paths', 'src/x/**']);
    expect(addA.code, addA.stderr).toBe(0);
    const A = addA.stdout.trim();
    expect((await boss.show(A)).paths).toEqual(['src/x/**']);
    const B = (await boss.add({ workType: 'feature', description: 'B', paths: ['src/x/y.ts'], ...w.scope })).work_item_id;
    const C = (await boss.add({ workType: 'feature', description: 'C', paths: ['lib/**'], ...w.scope })).work_item_id;

    const gotA = await a1.claimNext();
    expect(gotA.work_item_id).toBe(A);
    expect(gotA.reserved_paths!.map(({ reserved_at: _at, ...r }) => r)).toEqual([{ path: 'src/x/**' }]);
    expect(pathsOf((await storedReservations(w.store)).get(A))).toEqual(['src/x/**']);

    // ready: C is claimable, B is held back by A's claim.
    const ready = w.cli('agent_2', ['ready']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(ready.stdout).toContain(C);
    expect(ready.stdout).not.toContain(B);
    const line = ready.stderr.split('\n').find((l) => l.startsWith('held back:'));
    expect(line, ready.stderr).toBeDefined();
    for (const part of [B, 'src/x/y.ts', 'agent_1', A]) expect(line).toContain(part);
    const held = w.cli('agent_2', ['--json', 'ready', '--held-back']);
    expect(held.code, held.stderr).toBe(0);
    const heldList = JSON.parse(held.stdout) as (WorkItem & { held_back_by: Record<string, unknown>[] })[];
    expect(heldList.map((h) => h.work_item_id)).toEqual([B]);
    expect(heldList[0]!.held_back_by).toHaveLength(1);
    expect(Object.keys(heldList[0]!.held_back_by[0]!).sort()).toEqual(CONFLICT_KEYS);
    expect(heldList[0]!.held_back_by[0]).toMatchObject({ path: 'src/x/y.ts', held_path: 'src/x/**', agent_id: 'agent_1', work_item_id: A, fencing_token: gotA.fencing_token, lease_expires_at: gotA.lease_expires_at });
    expect((await a2.heldBack()).map((h) => h.item.work_item_id)).toEqual([B]);
    expect((await a2.ready()).map((i) => i.work_item_id)).toEqual([C]);

    expect((await a2.claimNext()).work_item_id).toBe(C);
    expect(await codeOf(a3.claimNext())).toBe('NOTHING_CLAIMABLE');
    let s = await readTestStore(w.store);
    expect(s.backlog.has(B)).toBe(true);
    expect([...s.active.keys()].sort()).toEqual([A, C].sort());

    await a1.complete(A);
    const gotB = await a3.claimNext();
    expect(gotB.work_item_id).toBe(B);
    expect(gotB.agent_id).toBe('agent_3');
    expect(gotB.reserved_paths!.map(({ reserved_at: _at, ...r }) => r)).toEqual([{ path: 'src/x/y.ts' }]);
    const stored = await storedReservations(w.store);
    expect(pathsOf(stored.get(B))).toEqual(['src/x/y.ts']);
    expect(pathsOf(stored.get(C))).toEqual(['lib/**']);
    expect(stored.has(A)).toBe(false);
    s = await readTestStore(w.store);
    expect(s.completed.has(A)).toBe(true);
    // B's declared paths are reserved like any: another claim cannot take them now.
    expect(await codeOf(a1.reserve((await a1.claim({ workType: 'x', description: 'late' })).work_item_id, ['src/x/y.ts'], w.scope))).toBe('CONFLICT');
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('claim-next at the same time, from three processes and from three claimers of one process: an item whose paths overlap a claim taken in the same moment is passed over', async () => {
    const w = world(backend);
    const boss = await w.open('boss');
    const agents = ['claimer_1', 'claimer_2', 'claimer_3'];
    const claimers = await Promise.all(agents.map((a) => w.open(a)));
    for (let round = 0; round < 4; round++) {
      const type = `race_${round}`;
      const add = async (d: string, paths: string[]) => (await boss.add({ workType: type, description: d, paths, ...w.scope })).work_item_id;
      const q0 = await add('first', [`zero${round}/**`]);
      const q1 = await add('tree', [`cc${round}/**`]);
      const q2 = await add('file in the tree', [`cc${round}/a.ts`]);
      const q3 = await add('elsewhere', [`other${round}/**`]);
      // Rounds 0-1: three OS processes. Rounds 2-3: three claimers of this process; the ones that
      // queue behind the first are served in one round, so q1 and q2 meet in the same commit.
      const got =
        round < 2
          ? (await Promise.all(agents.map((a) => w.cliAsync(a, ['-q', 'claim-next', '--type', type])))).map((r) => {
              expect(r.code, r.stderr).toBe(0);
              return r.stdout.trim();
            })
          : (await Promise.all(claimers.map((c) => c.claimNext({ workType: type })))).map((i) => i.work_item_id);
      // Three claims, never both overlapping items. Which of the two is handed out may depend on
      // timing: a claimer passes over an item another transaction holds (as SKIP LOCKED does), and
      // the younger one, once claimed, holds the older one back.
      expect(new Set(got).size, `round ${round}`).toBe(3);
      expect(got.includes(q1) && got.includes(q2), `round ${round}: both overlapping items were handed out`).toBe(false);
      const [taken, waiting] = got.includes(q1) ? [q1, q2] : [q2, q1];
      expect(got.sort(), `round ${round}`).toEqual([q0, taken, q3].sort());
      const stored = await storedReservations(w.store);
      expect(pathsOf(stored.get(q0))).toEqual([`zero${round}/**`]);
      expect(pathsOf(stored.get(taken))).toEqual([taken === q1 ? `cc${round}/**` : `cc${round}/a.ts`]);
      expect(pathsOf(stored.get(q3))).toEqual([`other${round}/**`]);
      expect(stored.has(waiting)).toBe(false);
      expect((await boss.heldBack({ workType: type })).map((h) => h.item.work_item_id)).toEqual([waiting]);
      for (const id of got) await claimers[agents.indexOf((await boss.show(id)).agent_id!)]!.complete(id);
      // With the overlapping claim over, the other item is handed out.
      expect((await claimers[0]!.claimNext({ workType: type })).work_item_id).toBe(waiting);
      await claimers[0]!.complete(waiting);
    }
    await expectIndexMatchesItems(w.store);
    await w.close();
  });

  it('check-paths: exit 12 for a file another agent’s claim holds (shared or exclusive), 0 for one’s own and for free files', async () => {
    const w = world(backend);
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const x = await a1.claim({ workType: 'feature', description: 'x' });
    await a1.reserve(x.work_item_id, ['cp/**'], { ...w.scope, reason: 'rewrite' });
    await a1.reserve(x.work_item_id, ['shr/f.ts'], { ...w.scope, shared: true });
    const lease = (await a1.show(x.work_item_id)).lease_expires_at!;

    const r = w.cli('agent_2', ['check-paths', '--root', w.root, 'cp/a.ts', 'free.ts']);
    expect(r.code, r.stderr).toBe(12);
    for (const part of ['cp/a.ts', 'agent_1', x.work_item_id, lease]) expect(r.stderr).toContain(part);
    expect(r.stderr).not.toContain('free.ts is reserved');
    const j = w.cli('agent_2', ['--json', 'check-paths', '--root', w.root, 'cp/a.ts', 'free.ts', 'shr/f.ts']);
    expect(j.code, j.stderr).toBe(12);
    const body = JSON.parse(j.stdout) as { files: string[]; conflicts: Record<string, unknown>[] };
    expect(Object.keys(body).sort()).toEqual(['conflicts', 'files']);
    expect(body.files).toEqual(['cp/a.ts', 'free.ts', 'shr/f.ts']);
    expect(body.conflicts.map((c) => Object.keys(c).sort())).toEqual([CONFLICT_KEYS, CONFLICT_KEYS]);
    expect(body.conflicts).toEqual(
      expect.arrayContaining([
        { path: 'cp/a.ts', held_path: 'cp/**', shared: false, agent_id: 'agent_1', work_item_id: x.work_item_id, fencing_token: x.fencing_token, lease_expires_at: lease, reason: 'rewrite' },
        expect.objectContaining({ path: 'shr/f.ts', held_path: 'shr/f.ts', shared: true, agent_id: 'agent_1' }),
      ]),
    );
    // One's own reservations do not stop one's own commit; free files never do.
    expect(w.cli('agent_1', ['check-paths', '--root', w.root, 'cp/a.ts', 'shr/f.ts']).code).toBe(0);
    const free = w.cli('agent_2', ['--json', 'check-paths', '--root', w.root, 'free.ts', 'cpx.ts']);
    expect(free.code, free.stderr).toBe(0);
    expect(JSON.parse(free.stdout)).toEqual({ files: ['free.ts', 'cpx.ts'], conflicts: [] });
    // The library, from a subdirectory.
    const rep = await a2.checkPaths(['../../cp/deep/b.ts', 'x.ts'], { root: w.root, cwd: join(w.root, 'src', 'sub') });
    expect(rep.files).toEqual(['cp/deep/b.ts', 'src/sub/x.ts']);
    expect(rep.conflicts.map((c) => [c.path, c.held.path, c.held.agent_id])).toEqual([['cp/deep/b.ts', 'cp/**', 'agent_1']]);
    // Once the claim ends, nothing is reserved.
    await a1.complete(x.work_item_id);
    expect((await a2.checkPaths(['cp/a.ts', 'shr/f.ts'], w.scope)).conflicts).toEqual([]);
    await w.close();
  });
});

describe('the file store’s reservation table', () => {
  it('fsck finds no damage after reserves, unreserves and completions; a corrupt reservations.json is damage and reserve refuses with STORE_CORRUPT, leaving it as it was', async () => {
    const w = world('file');
    const a1 = await w.open('agent_1');
    const a2 = await w.open('agent_2');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = i % 2 ? a2 : a1;
      const id = (await c.claim({ workType: 'feature', description: `f${i}` })).work_item_id;
      ids.push(id);
      await c.reserve(id, [`f${i}/**`, `lit/${i}/x.ts`, `*.f${i}`, `deep/er/${i}.ts`], w.scope);
      if (i % 3 === 0) await c.unreserve(id, [`lit/${i}/x.ts`], w.scope);
      if (i % 2 === 0) await c.complete(id);
    }
    const report = await a1.fsck();
    expect(report.damaged, JSON.stringify(report.findings)).toBe(0);
    const f = w.cli('agent_1', ['fsck']);
    expect(f.code, f.stdout + f.stderr).toBe(0);
    expect(existsSync(join(w.store.dir, 'reservations.json'))).toBe(true);
    // The index holds exactly the live claims' rows.
    const live = (await indexRows(w.store)).map((r) => `${r.work_item_id} ${r.path}`).sort();
    const stored = await storedReservations(w.store);
    expect(live).toEqual([...stored].flatMap(([id, rs]) => rs.map((r) => `${id} ${r.path}`)).sort());
    expect([...stored.keys()].sort()).toEqual(ids.filter((_, i) => i % 2).sort());

    const file = join(w.store.dir, 'reservations.json');
    writeFileSync(file, '{"changes": 3, "broad": [');
    const before = readFileSync(file);
    const damaged = w.cli('agent_1', ['fsck']);
    expect(damaged.code, damaged.stdout + damaged.stderr).toBe(9);
    expect(damaged.stdout + damaged.stderr).toContain('reservations.json');
    const id = (await a1.claim({ workType: 'feature', description: 'after the damage' })).work_item_id;
    const r = w.cli('agent_1', ['reserve', '--work', id, '--root', w.root, 'z/*.ts']);
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toMatch(/STORE_CORRUPT/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(scanStore(w.store.dir).active.get(id)?.reserved_paths).toBeUndefined();
    await w.close();
  });
});
