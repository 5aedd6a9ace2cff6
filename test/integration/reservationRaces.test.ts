/**
 * File-path reservations under real concurrency (issue 9), with real OS processes on every store:
 * - a storm: 32 processes reserve overlapping paths at the same instant, in rounds of different
 *   overlap shapes; the winners are pairwise non-conflicting and maximal (every loser conflicts
 *   with a winner), every time, judged from each process's report and from the store itself;
 * - crashes: a SIGKILLed agent's reservations stay until its claim is reaped as process_gone (by
 *   reap, or by a reserve they block), and a stopped but living holder keeps them; SIGKILLs at
 *   random moments of processes contending for one path (often inside reserve) leave a store that
 *   fsck passes, no two live claims with conflicting reservations, no two acknowledged holds
 *   overlapping in time, and every acknowledged reservation of a still-live claim in place;
 * - conflict-aware claim-next: 16 processes drain 200 items with overlapping declared paths, and
 *   no two conflicting items are ever held at once (intervals on CLOCK_MONOTONIC, shared by all
 *   processes of the host), each completed exactly once.
 * The store's truth is read without swarmfile's code: the reserved_paths of the active items in
 * the files (storeInvariants.mjs) or in the tables (pgStoreState.mjs), plus PostgreSQL's
 * reservations rows. SWARMFILE_TEST_DIST runs the worker processes against another build (a
 * scratch copy with a broken conflict check, to see these tests fail).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, envFor, freshStore, PG_URL, readTestStore, schemaOf, type Backend, type TestStore } from '../support/backends.js';
import { CLI, DIST, tempDir, WORKERS } from '../support/index.js';
import { assertExactlyOnce, type StoreState } from '../support/storeInvariants.mjs';

const { Coordinator } = (await import(join(DIST, 'coordinator/Coordinator.js'))) as typeof import('../../src/coordinator/Coordinator.js');
const { patternsOverlap } = (await import(join(DIST, 'model/pathPatterns.js'))) as typeof import('../../src/model/pathPatterns.js');
type CoordinatorType = import('../../src/coordinator/Coordinator.js').Coordinator;
type ReservedPath = import('../../src/model/types.js').ReservedPath;
/** The build the worker processes run. */
const WORKER_DIST = process.env.SWARMFILE_TEST_DIST ?? DIST;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The error code a call ends with ('OK' when it succeeds). */
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => String((e as { code?: string })?.code ?? e));
/** Two reservations conflict when their patterns overlap and at least one is exclusive. */
const clash = (a: { path: string; shared?: boolean }, b: { path: string; shared?: boolean }) => !(a.shared && b.shared) && patternsOverlap(a.path, b.path);
const clashAny = (as: readonly { path: string; shared?: boolean }[], bs: readonly { path: string; shared?: boolean }[]) => as.some((a) => bs.some((b) => clash(a, b)));

const children = new Set<ChildProcessWithoutNullStreams>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

/** A test's world: a fresh store, a repository root for the paths, coordinators of this process. */
function world(backend: Backend) {
  const store = freshStore(backend);
  const root = tempDir('swarmfile-repo-');
  const scope = { root, cwd: root };
  const opened: CoordinatorType[] = [];
  const open = async (agentId: string, extra: Record<string, string> = {}) => {
    const c = await Coordinator.open({ ...store.open, agentId, env: { SWARMFILE_FSYNC: '0', REAP_INTERVAL_MS: '0', ...extra } });
    opened.push(c);
    return c;
  };
  const env = (agent: string, extra: Record<string, string> = {}) => envFor(store, { AGENT_ID: agent, SWARMFILE_FSYNC: '0', ...extra });
  /** A worker script (test/support/workers) as `agent`, its stdio piped. */
  const worker = (script: string, agent: string, args: string[]) => {
    const child = spawn(process.execPath, [join(WORKERS, script), WORKER_DIST, ...args], { cwd: root, env: env(agent) });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => child.on('close', (code, signal) => (children.delete(child), done({ code, signal, stderr }))));
    return { child, agent, exited };
  };
  /** The CLI as `agent`, to its end. */
  const cli = (agent: string, args: string[], extra: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [CLI, ...args], { cwd: root, env: env(agent, extra) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  const close = async () => {
    for (const c of opened) await c.close();
  };
  return { store, root, scope, open, worker, cli, close };
}

/** Each active item's reserved paths, from the store without swarmfile's code; only active items may hold any. */
function heldPaths(s: StoreState): Map<string, ReservedPath[]> {
  const out = new Map<string, ReservedPath[]>();
  for (const [id, w] of s.active) if (Array.isArray(w.reserved_paths) && w.reserved_paths.length) out.set(id, w.reserved_paths as ReservedPath[]);
  for (const place of [s.backlog, s.waiting, s.dead, s.completed, s.cancelled]) {
    for (const [id, w] of place) expect(w.reserved_paths, `${id} holds reservations outside the active place`).toBeUndefined();
  }
  return out;
}

/** PostgreSQL's reservations rows whose claim is live (the item active with the row's token), as `id path shared`. */
async function liveRows(store: TestStore, s: StoreState): Promise<string[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const r = await client.query(`SELECT work_item_id, fencing_token, path, shared FROM "${schemaOf(store)}".reservations`);
    return (r.rows as { work_item_id: string; fencing_token: number; path: string; shared: boolean }[])
      .filter((row) => s.active.get(row.work_item_id)?.fencing_token === row.fencing_token)
      .map((row) => `${row.work_item_id} ${row.path} ${row.shared}`)
      .sort();
  } finally {
    await client.end();
  }
}

/** No two claims hold conflicting reservations (the store's truth); returns the held paths. */
function expectNoConflictingClaims(s: StoreState, what: string): Map<string, ReservedPath[]> {
  const held = [...heldPaths(s)];
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      const [a, ra] = held[i]!;
      const [b, rb] = held[j]!;
      expect(clashAny(ra, rb), `${what}: live claims ${a} ${JSON.stringify(ra)} and ${b} ${JSON.stringify(rb)} hold conflicting reservations`).toBe(false);
    }
  }
  return new Map(held);
}

/** A line-per-JSON reader of a worker's stdout. */
function jsonLines(child: ChildProcessWithoutNullStreams) {
  const queue: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const v: unknown = JSON.parse(line);
    const w = waiting.shift();
    if (w) w(v);
    else queue.push(v);
  });
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise<unknown>((r) => waiting.push(r)));
}

interface Want {
  paths: string[];
  shared?: boolean;
}
interface Report {
  round: number;
  id: string;
  outcome: string;
  reserved: string[] | null;
  conflicts: { work_item_id: string; held_path: string; path: string }[];
}

/**
 * The storm's rounds: what the i-th of 32 processes reserves, and what must come of it beyond
 * "pairwise non-conflicting and maximal" (checked for every round).
 */
const ROUNDS: { name: string; want: (i: number) => Want; expectWinners: (won: number[]) => void }[] = [
  {
    name: 'all the same literal path, exclusive',
    want: () => ({ paths: ['r0/same.ts'] }),
    expectWinners: (won) => expect(won).toHaveLength(1),
  },
  {
    // A glob wins alone, or all the literals win together (they do not overlap one another).
    name: 'src/** (4 processes) against 28 distinct literals under src/',
    want: (i) => ({ paths: [i < 4 ? 'r1/src/**' : `r1/src/m${i}/f.ts`] }),
    expectWinners: (won) => expect(won.length === 1 ? won[0]! < 4 : won.length === 28 && won.every((i) => i >= 4), `winners ${won}`).toBe(true),
  },
  {
    // Readers may all win together, but never beside a writer.
    name: 'one path, 24 shared and 8 exclusive',
    want: (i) => ({ paths: ['r2/lib/x.ts'], shared: i % 4 !== 0 }),
    expectWinners: (won) => expect(won.length === 1 ? won[0]! % 4 === 0 : won.length === 24 && won.every((i) => i % 4 !== 0), `winners ${won}`).toBe(true),
  },
  {
    name: 'a shared r3/** (8 processes), 16 exclusive and 8 shared literals under it on 4 files',
    want: (i) => (i < 8 ? { paths: ['r3/**'], shared: true } : { paths: [`r3/d${i % 4}/f.ts`], shared: i >= 24 }),
    expectWinners: (won) => expect(won.length).toBeGreaterThan(0),
  },
  {
    // Two exclusive files each, all or nothing: a[i mod 8] and b[i div 4], so every process
    // collides with 3 others on each of its files.
    name: 'two files each, a[i mod 8] and b[i div 4]',
    want: (i) => ({ paths: [`r4/a${i % 8}.ts`, `r4/b${Math.floor(i / 4)}.ts`] }),
    expectWinners: (won) => expect(won.length).toBeGreaterThan(0),
  },
];

describe.each(BACKENDS)('reservation races with real processes (%s store)', (backend) => {
  it('32 processes reserve overlapping paths at the same instant, 5 shapes: the winners are pairwise non-conflicting and maximal, from their reports and from the store', async () => {
    const w = world(backend);
    const racers = Array.from({ length: 32 }, (_, i) => {
      const r = w.worker('reserveRacer.mjs', `racer_${i}`, [w.root]);
      return { ...r, next: jsonLines(r.child) };
    });
    for (const [round, shape] of ROUNDS.entries()) {
      const wants = racers.map((_, i) => shape.want(i));
      // Each process claims its own item, then waits for the start signal on stdin.
      racers.forEach((r, i) => r.child.stdin.write(`${JSON.stringify({ round, ...wants[i] })}\n`));
      const ready = (await Promise.all(racers.map((r) => r.next()))) as { ready: number; id: string }[];
      for (const x of ready) expect(x.ready).toBe(round);
      const ids = ready.map((x) => x.id);
      for (const r of racers) r.child.stdin.write('go\n');
      const reports = (await Promise.all(racers.map((r) => r.next()))) as Report[];
      const what = `round ${round} (${shape.name})`;

      // From the processes: each got OK or CONFLICT, and a CONFLICT names holders of this round that won.
      reports.forEach((rep, i) => {
        expect(rep.id).toBe(ids[i]);
        expect(['OK', 'CONFLICT'], `${what}: racer_${i}`).toContain(rep.outcome);
      });
      const won = reports.flatMap((rep, i) => (rep.outcome === 'OK' ? [i] : []));
      const wonIds = new Set(won.map((i) => ids[i]!));
      reports.forEach((rep, i) => {
        if (rep.outcome === 'OK') expect(rep.reserved!.sort(), `${what}: racer_${i}`).toEqual([...wants[i]!.paths].sort());
        else {
          expect(rep.conflicts.length, `${what}: racer_${i}`).toBeGreaterThan(0);
          for (const c of rep.conflicts) expect(wonIds.has(c.work_item_id), `${what}: racer_${i} was refused for ${c.work_item_id}, which did not win`).toBe(true);
        }
      });
      shape.expectWinners(won);

      // From the store: exactly the winners hold reservations, all they asked for; none conflict.
      const s = await readTestStore(w.store);
      const held = expectNoConflictingClaims(s, what);
      const heldHere = ids.filter((id) => held.has(id));
      expect(new Set(heldHere), `${what}: the store's holders differ from the processes that were told OK`).toEqual(wonIds);
      for (const i of won) {
        const got = held.get(ids[i]!)!.map((r) => `${r.path} ${!!r.shared}`).sort();
        expect(got, `${what}: racer_${i}`).toEqual(wants[i]!.paths.map((p) => `${p} ${!!wants[i]!.shared}`).sort());
      }
      // Maximal: every process refused wanted something a winner holds in a conflicting mode.
      ids.forEach((id, i) => {
        if (wonIds.has(id)) return;
        const want = wants[i]!.paths.map((path) => ({ path, shared: wants[i]!.shared }));
        expect(
          [...wonIds].some((wid) => clashAny(want, held.get(wid)!)),
          `${what}: racer_${i} was refused, but no winner holds anything in its way`,
        ).toBe(true);
      });
      if (backend === 'postgres') {
        const rows = (await liveRows(w.store, s)).filter((row) => ids.includes(row.split(' ')[0]!));
        const truth = [...wonIds].flatMap((id) => held.get(id)!.map((r) => `${id} ${r.path} ${!!r.shared}`)).sort();
        expect(rows, `${what}: the reservations table`).toEqual(truth);
      }
    }
    for (const r of racers) r.child.stdin.end('exit\n');
    for (const r of racers) {
      const e = await r.exited;
      expect(e.code, e.stderr).toBe(0);
    }
    await w.close();
  });

  it('a killed agent’s reservations stay until its claim is reaped as process_gone (by reap, or by the blocked reserve itself); a stopped but living holder keeps them', async () => {
    const w = world(backend);
    const other = await w.open('survivor');
    // Listing reservations reaps first when a scan is due (REAP_INTERVAL_MS): the first listing
    // takes the turn, so the later ones show the store as the kill left it.
    const noReap = { REAP_INTERVAL_MS: '600000' };
    const listed = async (id: string) => {
      const r = await w.cli('survivor', ['--json', 'reservations', '--work', id], noReap);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { path: string; agent_id: string }[]).map((x) => `${x.path} ${x.agent_id}`).sort();
    };
    for (const ending of ['reap', 'reserve'] as const) {
      const crasher = w.worker('reserveRacer.mjs', `crasher_${ending}`, [w.root]);
      const next = jsonLines(crasher.child);
      const paths = [`${ending}/**`, `docs/${ending}.md`];
      crasher.child.stdin.write(`${JSON.stringify({ round: 0, paths })}\n`);
      const { id } = (await next()) as { id: string };
      crasher.child.stdin.write('go\n');
      expect(((await next()) as Report).outcome).toBe('OK');
      const mine = (await other.claim({ workType: 'feature', description: `wants ${ending}/x.ts` })).work_item_id;
      const s0 = await readTestStore(w.store);
      expect(s0.active.get(id)?.claim_pid, 'the claim records the claiming process').toBe(crasher.child.pid);
      const held = paths.map((p) => `${p} crasher_${ending}`).sort();
      expect(await listed(id)).toEqual(held);

      // Stopped, the holder is alive: its claim is not reclaimable and the path stays its own.
      crasher.child.kill('SIGSTOP');
      const refused = await other.reserve(mine, [`${ending}/x.ts`], w.scope).then(
        () => null,
        (e: { code: string; details?: { conflicts?: { work_item_id: string; agent_id: string }[] } }) => e,
      );
      expect(refused?.code).toBe('CONFLICT');
      expect(refused?.details?.conflicts?.map((c) => `${c.work_item_id} ${c.agent_id}`)).toEqual([`${id} crasher_${ending}`]);

      crasher.child.kill('SIGKILL');
      expect((await crasher.exited).signal).toBe('SIGKILL');
      // Nothing ends a dead process's claim by itself: its reservations are still on the item and live.
      const s1 = await readTestStore(w.store);
      expect(heldPaths(s1).get(id)?.map((r) => r.path).sort()).toEqual([...paths].sort());
      expect(await listed(id)).toEqual(held);

      if (ending === 'reap') {
        const reap = await w.cli('survivor', ['--json', 'reap']);
        expect(reap.code, reap.stderr).toBe(0);
        expect((JSON.parse(reap.stdout) as { reaped: { work_item_id: string; reason: string }[] }).reaped).toEqual([expect.objectContaining({ work_item_id: id, reason: 'process_gone' })]);
        expect(await listed(id), 'reap ended the reservations with the claim').toEqual([]);
      }
      // The blocked reserve reaps a claim in its way whose process is gone, and goes through.
      expect(await codeOf(other.reserve(mine, [`${ending}/x.ts`], w.scope))).toBe('OK');
      expect(await listed(id)).toEqual([]);
      const s2 = await readTestStore(w.store);
      expect(s2.backlog.has(id), 'the dead claim went back to the backlog').toBe(true);
      expect(s2.backlog.get(id)!.failures?.map((f) => f.outcome)).toEqual(['process_gone']);
      expect([...heldPaths(s2)].map(([h, rs]) => `${h} ${rs.map((r) => r.path)}`)).toEqual([`${mine} ${ending}/x.ts`]);
      if (backend === 'postgres') expect(await liveRows(w.store, s2)).toEqual([`${mine} ${ending}/x.ts false`]);
      await other.complete(mine);
    }
    await w.close();
  });

  it('SIGKILL at random moments of 4 processes contending for one path (20 kills): fsck passes, no two live claims conflict, every acknowledged reservation of a live claim is there', async () => {
    const w = world(backend);
    const reaper = await w.open('reaper');
    // Lists reservations only to have pending multi-file changes of killed processes applied
    // first (the file store's settle): its first call takes the reap turn for 10 minutes, so none
    // of its later calls reaps anything.
    const settler = await w.open('settler', { REAP_INTERVAL_MS: '600000' });
    await settler.reservations();
    const logs = join(w.store.dir, '..', 'loopers');
    mkdirSync(logs, { recursive: true });
    const stop = join(logs, 'stop');
    // Different spellings of overlapping patterns: every pair conflicts.
    const PATTERNS = ['hot/file.ts', 'hot/**', '{hot,cold}/file.ts', 'hot/*.ts'];
    let made = 0;
    const start = () => {
      const n = made++;
      const log = join(logs, `looper_${n}.log`);
      const l = w.worker('reserveLooper.mjs', `looper_${n}`, [w.root, log, PATTERNS[n % PATTERNS.length]!, stop]);
      const waiting: (() => void)[] = [];
      createInterface({ input: l.child.stdout }).on('line', (line) => line === 'paused' && waiting.shift()?.());
      /** Stops it between two of its calls (never inside one); resolves once it has. */
      const pause = () => new Promise<void>((paused) => (waiting.push(paused), l.child.stdin.write('pause\n')));
      return { ...l, log, n, pause };
    };
    type Looper = ReturnType<typeof start>;
    const lines = (l: Looper) => (existsSync(l.log) ? readFileSync(l.log, 'utf8').split('\n').filter(Boolean) : []);
    /** Takes a spare (started beforehand, its store open) to work, and starts the next spare. */
    const spares = [start(), start()];
    const activate = () => {
      const l = spares.shift()!;
      l.child.stdin.write('go\n');
      spares.push(start());
      return l;
    };
    let live: Looper[] = Array.from({ length: 4 }, activate);
    const all: Looper[] = [...live];
    let midReserve = 0;
    const killedAt = new Map<Looper, bigint>();

    /**
     * With the living processes paused (`running`): the store's truth against what they were told.
     * A claim ends only by its owner's complete (logged `releasing` first) or by a reap after its
     * process died (back to the backlog as process_gone); while live, it holds what it acknowledged.
     */
    const check = async (what: string, running: readonly Looper[]) => {
      await settler.reservations();
      const s = await readTestStore(w.store);
      const held = expectNoConflictingClaims(s, what);
      for (const l of all) {
        const claims = new Map<string, { token: number; acked?: string; releasing?: boolean }>();
        for (const line of lines(l)) {
          const [word, id, token, path] = line.split(' ');
          expect(word, `${l.agent}: ${line}`).not.toBe('error');
          if (word === 'claim') claims.set(id!, { token: Number(token) });
          else if (word === 'reserved') claims.get(id!)!.acked = path;
          else if (word === 'releasing') claims.get(id!)!.releasing = true;
        }
        for (const [id, c] of claims) {
          const claim = `${what}: ${l.agent}'s claim ${id}`;
          if (s.active.get(id)?.fencing_token === c.token) {
            if (c.acked) expect(held.get(id)?.map((r) => r.path), `${claim}: its acknowledged ${c.acked} is gone`).toContain(c.acked);
          } else if (c.releasing && s.completed.has(id)) {
            continue;
          } else {
            expect(running.includes(l), `${claim} ended while its process lives, without complete`).toBe(false);
            expect(s.backlog.get(id)?.failures?.map((f) => `${f.outcome} ${f.fencing_token}`), claim).toEqual([`process_gone ${c.token}`]);
          }
        }
      }
      if (backend === 'file') {
        const report = await reaper.fsck();
        expect(report.findings.filter((f) => f.severity === 'damage'), what).toEqual([]);
      } else {
        expect(await liveRows(w.store, s), `${what}: the reservations table`).toEqual([...held].flatMap(([id, rs]) => rs.map((r) => `${id} ${r.path} ${!!r.shared}`)).sort());
      }
    };

    const acked = () => all.reduce((n, l) => n + lines(l).filter((x) => x.startsWith('reserved ')).length, 0);
    for (let kill = 0, seen = 0; kill < 20; kill++) {
      // The path changes hands between kills: two reservations acknowledged since the last one;
      // then a random moment.
      while (acked() < seen + 2) await sleep(10);
      seen = acked();
      await sleep(Math.random() * 60);
      // A victim that is at work (has claimed at least once), not one still starting up.
      let ready = live.filter((l) => lines(l).length > 0);
      while (ready.length === 0) {
        await sleep(50);
        ready = live.filter((l) => lines(l).length > 0);
      }
      const victim = ready[Math.floor(Math.random() * ready.length)]!;
      // Taken before the kill: the victim's claim certainly lived until then.
      killedAt.set(victim, process.hrtime.bigint());
      victim.child.kill('SIGKILL');
      expect((await victim.exited).signal).toBe('SIGKILL');
      if (lines(victim).at(-1)?.startsWith('claim ')) midReserve++;
      // Pause the others between two calls, check, and let them go on.
      const others = live.filter((l) => l !== victim);
      await Promise.all(others.map((l) => l.pause()));
      await check(`after kill ${kill} (${victim.agent})`, others);
      for (const l of others) l.child.stdin.write('resume\n');
      // The victim's live claim, if any, holds its path until it is reaped as process_gone: here,
      // unless a blocked reserve of another process did it first.
      const reaped = (await reaper.reap()).reaped;
      for (const r of reaped) expect(`${r.agent_id} ${r.reason}`).toBe(`${victim.agent} process_gone`);
      live = [...others, activate()];
      all.push(live.at(-1)!);
    }
    writeFileSync(stop, '');
    for (const l of spares) l.child.stdin.write('go\n');
    for (const l of [...live, ...spares]) {
      const e = await l.exited;
      expect(e.code, `${l.agent}: ${e.stderr}`).toBe(0);
    }
    await check('at the end', []);
    await reaper.reap();
    const s = await readTestStore(w.store);
    expect(heldPaths(s), 'every claim ended, and its reservations with it').toEqual(new Map());
    assertExactlyOnce(s);
    if (backend === 'file') {
      const fsck = await w.cli('reaper', ['fsck']);
      expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
    }
    // Every pattern overlaps every other: no two acknowledged holds may overlap in time. A hold
    // runs from `reserved` to `releasing`, or to the kill of its process (its claim lived at least
    // that long, until reaped).
    const holds: { who: string; from: bigint; to: bigint }[] = [];
    for (const l of all) {
      let open: { who: string; from: bigint } | null = null;
      for (const line of lines(l)) {
        const parts = line.split(' ');
        if (parts[0] === 'reserved') open = { who: `${l.agent} ${parts[1]}`, from: BigInt(parts[4]!) };
        else if (parts[0] === 'releasing' && open) {
          holds.push({ ...open, to: BigInt(parts[2]!) });
          open = null;
        }
      }
      if (open) holds.push({ ...open, to: killedAt.get(l)! });
    }
    expect(holds.length, 'the path changed hands between kills').toBeGreaterThanOrEqual(40);
    holds.sort((a, b) => (a.from < b.from ? -1 : 1));
    const overlapping: string[] = [];
    let last = holds[0]!;
    for (const h of holds.slice(1)) {
      if (h.from < last.to) overlapping.push(`${last.who} and ${h.who}`);
      if (h.to > last.to) last = h;
    }
    expect(overlapping, 'conflicting reservations were held at the same time').toEqual([]);
    // With 3 of 4 processes usually waiting for the path, some kills land inside reserve.
    expect(midReserve, 'no kill landed while its victim was reserving').toBeGreaterThan(0);
    await w.close();
  });
});

/** A deterministic pseudo-random generator (mulberry32), so a failing backlog can be rebuilt. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Declared paths for n items: 1-3 each, from 30 files and a few globs, so conflicts are frequent. */
function declaredPaths(n: number, seed: number): string[][] {
  const rand = prng(seed);
  const files = Array.from({ length: 30 }, (_, i) => `mod${i % 6}/f${Math.floor(i / 6)}.ts`);
  const globs = ['mod3/**', 'mod1/*.ts', '{mod0,mod5}/f2.ts', '**/f4.ts', 'mod2/'];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const k = 1 + Math.floor(rand() * 3);
    const paths = new Set<string>();
    while (paths.size < k) paths.add(rand() < 0.12 ? pick(globs) : pick(files));
    return [...paths];
  });
}

const DRAIN: Record<Backend, { items: number; agents: number }> = { file: { items: 200, agents: 16 }, postgres: { items: 100, agents: 16 } };

describe.each(BACKENDS)('conflict-aware claim-next with real processes (%s store)', (backend) => {
  const { items: n, agents } = DRAIN[backend];
  it(`${agents} processes drain ${n} items with overlapping declared paths: no two conflicting items are ever held at once, each is completed once`, async () => {
    const w = world(backend);
    const boss = await w.open('boss');
    const paths = declaredPaths(n, 9);
    const ids: string[] = [];
    // The paths as the store keeps them (normalised: `mod2/` is `mod2/**`).
    const declared = new Map<string, { path: string }[]>();
    for (const [i, p] of paths.entries()) {
      const item = await boss.add({ workType: 'edit', description: `edit ${i}`, paths: p, ...w.scope });
      expect(item.paths?.length, `edit ${i}`).toBe(p.length);
      ids.push(item.work_item_id);
      declared.set(item.work_item_id, item.paths!.map((path) => ({ path })));
    }
    const logs = join(w.store.dir, '..', 'claimers');
    mkdirSync(logs, { recursive: true });
    // Holds of up to 80 ms keep several items held at once, so a claim-next that ignored the
    // declared paths would show here as overlapping intervals (it does: see SWARMFILE_TEST_DIST).
    const procs = Array.from({ length: agents }, (_, i) => ({ ...w.worker('pathClaimer.mjs', `claimer_${i}`, [join(logs, `claimer_${i}.log`), '80']), log: join(logs, `claimer_${i}.log`) }));
    for (const p of procs) {
      const e = await p.exited;
      expect(e.code, `${p.agent}: ${e.stderr}${existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').filter((l) => l.startsWith('error')).join('\n') : ''}`).toBe(0);
    }

    // Each item claimed once and released once, by one process.
    const held = new Map<string, { claimed: bigint; releasing?: bigint; by: string }>();
    for (const p of procs) {
      for (const line of existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').filter(Boolean) : []) {
        const [word, id, t] = line.split(' ');
        if (word === 'claimed') {
          expect(held.has(id!), `${id} was handed out twice`).toBe(false);
          held.set(id!, { claimed: BigInt(t!), by: p.agent });
        } else {
          expect(word, line).toBe('releasing');
          expect(held.get(id!)?.by, line).toBe(p.agent);
          held.get(id!)!.releasing = BigInt(t!);
        }
      }
    }
    expect(new Set(held.keys())).toEqual(new Set(ids));
    // No two items whose declared paths conflict were held at the same time.
    let conflictingPairs = 0;
    const overlapping: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const [a, b] = [ids[i]!, ids[j]!];
        if (!clashAny(declared.get(a)!, declared.get(b)!)) continue;
        conflictingPairs++;
        const [x, y] = [held.get(a)!, held.get(b)!];
        if (x.claimed < y.releasing! && y.claimed < x.releasing!) overlapping.push(`${a} ${JSON.stringify(paths[i])} (${x.by}) and ${b} ${JSON.stringify(paths[j])} (${y.by})`);
      }
    }
    expect(conflictingPairs, 'the backlog has conflicts to respect').toBeGreaterThan(n);
    expect(overlapping, `${overlapping.length} pairs of conflicting items were held at once`).toEqual([]);

    // The store: every item completed exactly once, by the process that claimed it, no reservation left.
    const s = await readTestStore(w.store);
    const places = assertExactlyOnce(s, ids);
    expect([...places.values()].every((p) => p === 'completed')).toBe(true);
    for (const id of ids) expect(s.completed.get(id)?.agent_id).toBe(held.get(id)!.by);
    expect(heldPaths(s)).toEqual(new Map());
    await w.close();
  });
});
