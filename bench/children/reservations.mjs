// @ts-check
/**
 * Child process of the `reservations` part (bench/parts/reservations.mjs): file-path reservations
 * through the library. Argument: a JSON spec {mode, library, root, ...}; prints one JSON object.
 *
 * mode 'seed'    {stores: [{dir, n}], pathsPerClaim, agents, holderPid}: in each store, n / pathsPerClaim
 *                claims, each reserving pathsPerClaim paths in one call (seedPaths), made by
 *                `agents` agents in parallel (one Coordinator each, fsync off, a one-hour lease, the
 *                claims' process = holderPid, the benchmark runner, so no reap takes them while it
 *                runs). Prints {stores: [{n, dir, claims: [ids], seed_ms, live}]}, `live` from
 *                `reservations()`.
 * mode 'measure' {stores: [{dir, n}], rounds, warmup, agentId}: one Coordinator per store, one claim
 *                each (untimed). Each round, per store (the order alternating by round): reserve a
 *                fresh literal path (freshPath), check-paths of 5 unreserved files beside reserved
 *                ones (checkFiles), the same check on a Coordinator whose REAP_INTERVAL_MS is an
 *                hour (no reap scan due), unreserve; every `reapEvery` rounds one explicit reap().
 *                Every result is checked (the path reserved and given up, no conflict, nothing
 *                reaped). The claims are completed at the end. Prints {samples: {n: {op: [ms]}},
 *                claims: {n: id}, problems: [..]}.
 */
/** @import { Coordinator as Coord } from '../../src/index.js' */
import { checkFiles, freshPath, seedPaths } from '../lib/reservationTree.mjs';

/**
 * @type {{ mode: string, library: string, root: string, stores: { dir: string, n: number }[], pathsPerClaim: number, agents: number, holderPid: number, rounds: number, warmup: number, agentId: string, reapEvery: number }}
 */
const spec = JSON.parse(process.argv[2]);
const { Coordinator } = /** @type {typeof import('../../src/index.js')} */ (await import(spec.library));
const scope = { root: spec.root, cwd: spec.root };

async function seed() {
  const out = [];
  // Every store holds as many claims as the largest needs: only the number of live reservations
  // differs between them (the claims beyond n / pathsPerClaim reserve nothing), so shard sizes and
  // the claim a measured reserve rewrites are alike.
  const claims = Math.max(...spec.stores.map((s) => Math.ceil(s.n / spec.pathsPerClaim)));
  for (const store of spec.stores) {
    const t0 = performance.now();
    /** @type {Coord[]} */
    const coords = [];
    for (let a = 0; a < Math.min(spec.agents, claims); a++) {
      coords.push(await Coordinator.open({ dir: store.dir, agentId: `seed_agent_${a}`, fsync: false, leaseTtlSeconds: 3600, agentPid: spec.holderPid, env: {} }));
    }
    /** @type {string[]} */
    const ids = new Array(claims);
    await Promise.all(
      coords.map(async (coord, a) => {
        for (let c = a; c < claims; c += coords.length) {
          const item = await coord.claim({ workType: 'benchmark', description: `reservations seed ${c}`, priority: 'medium', team: 'bench_team' });
          const count = Math.min(spec.pathsPerClaim, store.n - c * spec.pathsPerClaim);
          if (count > 0) await coord.reserve(item.work_item_id, seedPaths(c, count), { ...scope, reason: `seed ${c}` });
          ids[c] = item.work_item_id;
        }
      }),
    );
    const seedMs = performance.now() - t0;
    const live = (await coords[0].reservations()).length;
    for (const c of coords) await c.close();
    out.push({ n: store.n, dir: store.dir, claims: ids, seed_ms: seedMs, live });
  }
  return { stores: out };
}

async function measure() {
  /** @type {string[]} */
  const problems = [];
  const stores = [];
  for (const s of spec.stores) {
    const coord = await Coordinator.open({ dir: s.dir, agentId: spec.agentId });
    // The same agent and store, but no reap scan ever due: check-paths' own lookups only.
    const noReap = await Coordinator.open({ dir: s.dir, agentId: spec.agentId, env: { REAP_INTERVAL_MS: '3600000' } });
    const claim = await coord.claim({ workType: 'benchmark', description: 'reservations library probe', priority: 'medium', team: 'bench_team' });
    /** @type {Record<string, number[]>} */
    const samples = { reserve: [], check_paths: [], check_paths_no_reap: [], unreserve: [], reap: [] };
    stores.push({ ...s, coord, noReap, id: claim.work_item_id, samples });
  }
  /**
   * @template T
   * @param {number[] | null} into
   * @param {() => Promise<T>} fn
   */
  const time = async (into, fn) => {
    const t = performance.now();
    const v = await fn();
    into?.push(performance.now() - t);
    return v;
  };
  for (let r = -spec.warmup; r < spec.rounds; r++) {
    const order = Math.abs(r) % 2 === 0 ? stores : [...stores].reverse();
    for (const s of order) {
      /** @param {string} op */
      const into = (op) => (r >= 0 ? s.samples[op] : null);
      const path = freshPath('lib', r + spec.warmup);
      const files = checkFiles(r + spec.warmup);
      const reserved = await time(into('reserve'), () => s.coord.reserve(s.id, [path], scope));
      if (!(reserved.reserved_paths ?? []).some((p) => p.path === path)) problems.push(`store of ${s.n}: reserve of ${path} did not keep it`);
      const check = await time(into('check_paths'), () => s.coord.checkPaths(files, scope));
      if (check.conflicts.length || check.files.length !== files.length) problems.push(`store of ${s.n}: check-paths found ${check.conflicts.length} conflicts in ${check.files.length} files (expected none in ${files.length})`);
      const quiet = await time(into('check_paths_no_reap'), () => s.noReap.checkPaths(files, scope));
      if (quiet.conflicts.length) problems.push(`store of ${s.n}: check-paths (no reap) found ${quiet.conflicts.length} conflicts`);
      const un = await time(into('unreserve'), () => s.coord.unreserve(s.id, [path], scope));
      if (un.removed.length !== 1 || un.removed[0] !== path) problems.push(`store of ${s.n}: unreserve of ${path} removed ${JSON.stringify(un.removed)}`);
      if (r >= 0 && r % spec.reapEvery === 0) {
        const reap = await time(into('reap'), () => s.coord.reap());
        if (reap.reaped.length) problems.push(`store of ${s.n}: reap took ${reap.reaped.length} claims back (${reap.reaped[0]?.reason}): the measured store changed`);
      }
    }
  }
  for (const s of stores) {
    await s.coord.complete(s.id, { result: 'success' });
    await s.coord.close();
    await s.noReap.close();
  }
  return {
    samples: Object.fromEntries(stores.map((s) => [s.n, s.samples])),
    claims: Object.fromEntries(stores.map((s) => [s.n, s.id])),
    problems,
  };
}

const result = spec.mode === 'seed' ? await seed() : await measure();
process.stdout.write(JSON.stringify(result));
