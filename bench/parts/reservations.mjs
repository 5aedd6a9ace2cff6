// @ts-check
/**
 * File-path reservations (issue 9): reserve and check-paths latency on a file store holding 10,000
 * live reservations against one holding 10 (target: within 1.5x), through the library and through
 * the CLI. Both stores are seeded through the library (bench/children/reservations.mjs: the same
 * number of claims in both, of several agents, those of the first n/10 reserving 10 paths each, over the tree of bench/lib/reservationTree.mjs, a few broad globs
 * among them) and checked from their files. Then, side by side and alternating which store goes
 * first round by round: the library (one process) times reserve of a fresh literal path by the
 * probe's claim, check-paths of 5 unreserved files beside reserved ones, the same check with no
 * reap scan due, unreserve, and every few rounds an explicit reap (the scan check-paths runs when
 * REAP_INTERVAL_MS has passed); the CLI times `reserve`, `check-paths` and `unreserve` processes.
 * Afterwards every seeded reservation must still be live, on its item and in the index, and the
 * probes' claims completed with nothing left reserved.
 */
/** @import { BenchContext, InvariantReport, Summary } from '../types.js' */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scanStore } from '../../test/support/storeInvariants.mjs';
import { checkSwarmfileStore } from '../lib/invariants.mjs';
import { checkFiles, freshPath, seedPaths } from '../lib/reservationTree.mjs';
import { runOrThrow, runTimed } from '../lib/runTimed.mjs';
import { median, percentile, summarize } from '../lib/stats.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';

/** reserve and check-paths with the large table may take at most this many times as long as with the small one. */
export const RESERVATIONS_TARGET = 1.5;
/** The operations the target applies to; the others are shown for what they explain. */
const TARGETED = ['reserve', 'check_paths'];
const CHILD = join(ROOT, 'bench/children/reservations.mjs');
const CLI_OPS = ['reserve', 'check_paths', 'unreserve'];
const LIB_OPS = ['reserve', 'check_paths', 'check_paths_no_reap', 'unreserve', 'reap'];

/**
 * The large table against the small one for one operation.
 * @typedef {{ small: number, large: number, ratio_of_medians: number | null, ratio_of_p95: number | null, median_paired_ratio: number | null, paired_ratios: number[] }} Ratio
 * @typedef {{ rounds: number, warmup: number, samples_ms: Record<number, Record<string, number[]>>, summary: Record<number, Record<string, Summary>>, ratio: Record<string, Ratio> }} ModeData
 */

/**
 * @param {number[]} b
 * @param {number[]} a
 */
const quotient = (b, a) => {
  const x = median(b);
  const y = median(a);
  return x === null || y === null || y === 0 ? null : x / y;
};

/**
 * @param {Record<number, Record<string, number[]>>} samples
 * @param {string[]} ops
 * @param {number[]} sizes
 * @param {number} rounds
 * @param {number} warmup
 * @returns {ModeData}
 */
function modeData(samples, ops, sizes, rounds, warmup) {
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  /** @type {Record<string, Ratio>} */
  const ratio = {};
  for (const op of ops) {
    const a = samples[small][op];
    const b = samples[large][op];
    // reap is timed every few rounds on both stores alike, so its samples pair up too.
    const paired = a.map((v, i) => b[i] / v).filter(Number.isFinite);
    const p95 = (/** @type {number[]} */ xs) => percentile(xs, 95);
    const [pa, pb] = [p95(a), p95(b)];
    ratio[op] = { small, large, ratio_of_medians: quotient(b, a), ratio_of_p95: pa && pb !== null ? pb / pa : null, median_paired_ratio: median(paired), paired_ratios: paired };
  }
  const summary = Object.fromEntries(sizes.map((n) => [n, Object.fromEntries(ops.map((op) => [op, summarize(samples[n][op])]))]));
  return { rounds, warmup, samples_ms: samples, summary, ratio };
}

/**
 * The index rows of a file store's reservation table (reservations.json's broad rows and every
 * bucket's), as `work id \n path` keys.
 * @param {string} dir
 */
function indexKeys(dir) {
  /** @type {{ path: string, work_item_id: string }[]} */
  const rows = [];
  const rootFile = join(dir, 'reservations.json');
  if (existsSync(rootFile)) rows.push(...JSON.parse(readFileSync(rootFile, 'utf8')).broad);
  const shards = join(dir, 'shards');
  if (existsSync(shards)) for (const f of readdirSync(shards).filter((n) => /^reservations\.\d{3}\.json$/.test(n))) rows.push(...JSON.parse(readFileSync(join(shards, f), 'utf8')));
  return { rows: rows.length, keys: new Set(rows.map((r) => `${r.work_item_id}\n${r.path}`)) };
}

/**
 * What the store's files say about its reservations: every seeded claim active and holding exactly
 * the paths it reserved, each with its row in the index; nothing else reserved.
 * @param {string} dir
 * @param {string[]} claims the seeded claims, claim c at index c
 * @param {number} n
 * @param {number} perClaim
 */
export function reservationProblems(dir, claims, n, perClaim) {
  const s = scanStore(dir);
  const index = indexKeys(dir);
  /** @type {string[]} */
  const problems = [];
  let live = 0;
  let missingRows = 0;
  claims.forEach((id, c) => {
    const w = s.active.get(id);
    if (!w) return void problems.push(`seeded claim ${id} is no longer active`);
    const held = (/** @type {{ path: string }[] | undefined} */ (w.reserved_paths) ?? []).map((r) => r.path).sort();
    const count = Math.min(perClaim, n - c * perClaim);
    const want = count > 0 ? seedPaths(c, count).sort() : [];
    if (JSON.stringify(held) !== JSON.stringify(want)) problems.push(`seeded claim ${id} holds ${JSON.stringify(held)}, reserved ${JSON.stringify(want)}`);
    live += held.length;
    for (const p of held) if (!index.keys.has(`${id}\n${p}`)) missingRows++;
  });
  const seeded = new Set(claims);
  for (const [id, w] of s.active) if (!seeded.has(id) && (/** @type {unknown[] | undefined} */ (w.reserved_paths) ?? []).length) problems.push(`${id} (not seeded) still holds reservations`);
  if (live !== n) problems.push(`${live} live reservations on the seeded items, expected ${n}`);
  if (missingRows) problems.push(`${missingRows} live reservations have no row in the index`);
  return { problems, live, index_rows: index.rows, active: s.active.size };
}

/**
 * A number with `d` decimals, '-' for none.
 * @param {number | null | undefined} v
 */
const f = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

/** @param {string} op */
const opName = (op) => ({ reserve: 'reserve', check_paths: 'check-paths (5 files)', check_paths_no_reap: 'check-paths, no reap due', unreserve: 'unreserve', reap: 'reap scan' })[op] ?? op;

// `satisfies` rather than a type, so the tests see this part's own data and table.
export default /** @satisfies {import('../types.js').BenchPart} */ ({
  name: 'reservations',
  title: 'File-path reservations: reserve and check-paths latency, 10 vs 10,000 live reservations (--quick: 2,000) (issue 9)',
  /** @param {BenchContext} ctx */
  async run(ctx) {
    const { reservationCounts: sizes, reservationPathsPerClaim: perClaim, reservationSeedAgents: agents, reservationLibRounds: libRounds, reservationCliRounds: cliRounds } = ctx.sizes;
    const env = { TELEMETRY_DIR: ctx.tmp('reservations-telemetry') };
    const childEnv = { ...process.env, ...env };
    // Paths are relative to this root (given explicitly: no `git rev-parse` per call).
    const root = ctx.tmp('reservations-root');
    const stores = sizes.map((n) => ({ n, dir: ctx.tmp(`reservations-${n}`) }));

    ctx.progress.start('reservations: seeding', 1);
    const seedSpec = { mode: 'seed', library: LIBRARY, root, stores, pathsPerClaim: perClaim, agents, holderPid: process.pid };
    /** @type {{ stores: { n: number, dir: string, claims: string[], seed_ms: number, live: number }[] }} */
    const seeded = JSON.parse(await runOrThrow([process.execPath, CHILD, JSON.stringify(seedSpec)], { env: childEnv, timeoutMs: 1_800_000 }));
    ctx.progress.tick();
    const seeding = seeded.stores.map((s) => ({ n: s.n, claims: s.claims.length, agents: Math.min(agents, s.claims.length), seed_ms: s.seed_ms, live_reported: s.live, ...reservationProblems(s.dir, s.claims, s.n, perClaim) }));
    for (const s of seeding) {
      if (s.live_reported !== s.n || s.problems.length) throw new Error(`reservations: the store of ${s.n} was not seeded as asked: reservations() counts ${s.live_reported}; ${s.problems.slice(0, 3).join('; ')}`);
    }

    ctx.progress.start('reservations: library', 1);
    const libWarmup = 3;
    const measureSpec = { mode: 'measure', library: LIBRARY, root, stores, rounds: libRounds, warmup: libWarmup, agentId: 'bench_res_lib', reapEvery: 4 };
    /** @type {{ samples: Record<number, Record<string, number[]>>, claims: Record<number, string>, problems: string[] }} */
    const lib = JSON.parse(await runOrThrow([process.execPath, CHILD, JSON.stringify(measureSpec)], { env: childEnv, timeoutMs: 1_800_000 }));
    ctx.progress.tick();

    // CLI: one claim per store by the probe agent (untimed), then reserve / check-paths / unreserve processes.
    const cliWarmup = 1;
    ctx.progress.start('reservations: CLI', (cliRounds + cliWarmup) * stores.length);
    const cliEnv = (/** @type {string} */ dir) => ({ ...env, COORDINATION_DIR: dir, AGENT_ID: 'bench_res_cli' });
    // Run from the root, as an agent in its worktree would: relative paths are taken from the current directory.
    const inRoot = (/** @type {string[]} */ args, /** @type {Record<string, string>} */ e) => runTimed(ctx.target.argv(args), { env: { ...process.env, ...e }, cwd: root });
    /** @type {Record<number, string>} */
    const cliClaims = {};
    for (const s of stores) {
      const c = await ctx.cli(['claim', 'benchmark', 'reservations cli probe', 'medium', 'bench_team'], cliEnv(s.dir));
      if (c.code !== 0) throw new Error(`reservations: claim on the store of ${s.n} exited ${c.code}: ${c.stderr.trim()}`);
      cliClaims[s.n] = c.stdout.trim();
    }
    /** @type {Record<number, Record<string, number[]>>} */
    const cli = Object.fromEntries(sizes.map((n) => [n, Object.fromEntries(CLI_OPS.map((op) => [op, /** @type {number[]} */ ([])]))]));
    for (let r = -cliWarmup; r < cliRounds; r++) {
      const order = Math.abs(r) % 2 === 0 ? stores : [...stores].reverse();
      for (const s of order) {
        const id = cliClaims[s.n];
        const path = freshPath('cli', r + cliWarmup);
        const res = await inRoot(['reserve', '--root', root, '--work', id, path], cliEnv(s.dir));
        if (res.code !== 0) throw new Error(`reservations: reserve on the store of ${s.n} exited ${res.code}: ${res.stderr.trim()}`);
        const chk = await inRoot(['check-paths', '--root', root, ...checkFiles(r + cliWarmup)], cliEnv(s.dir));
        if (chk.code !== 0) throw new Error(`reservations: check-paths on the store of ${s.n} exited ${chk.code} (expected no conflict): ${chk.stderr.trim()}`);
        const un = await inRoot(['unreserve', '--root', root, '--work', id, path], cliEnv(s.dir));
        if (un.code !== 0 || un.stderr.includes('not reserved')) throw new Error(`reservations: unreserve on the store of ${s.n} exited ${un.code}: ${un.stderr.trim()}`);
        if (r >= 0) {
          cli[s.n].reserve.push(res.ms);
          cli[s.n].check_paths.push(chk.ms);
          cli[s.n].unreserve.push(un.ms);
        }
        ctx.progress.tick();
      }
    }
    for (const s of stores) {
      const done = await ctx.cli(['complete', cliClaims[s.n], 'success'], cliEnv(s.dir));
      if (done.code !== 0) throw new Error(`reservations: complete of the CLI probe on the store of ${s.n} exited ${done.code}: ${done.stderr.trim()}`);
    }

    // Every seeded reservation still live (nothing reaped meanwhile), the probes completed.
    /** @type {Record<number, InvariantReport & { reservations: ReturnType<typeof reservationProblems> }>} */
    const checks = {};
    for (const s of seeded.stores) {
      const probes = [lib.claims[s.n], cliClaims[s.n]];
      /** @type {import('../types.js').Ledger} */
      const ledger = { claimed: new Set([...s.claims, ...probes]), progressed: new Set(), completed: new Set(probes) };
      const inv = await checkSwarmfileStore(s.dir, ledger);
      const res = reservationProblems(s.dir, s.claims, s.n, perClaim);
      inv.problems.push(...res.problems, ...lib.problems.filter((p) => p.startsWith(`store of ${s.n}:`)));
      inv.ok = inv.ok && inv.problems.length === 0;
      ctx.checkRun(`reservations-${s.n}`, { invariants: inv });
      checks[s.n] = { ...inv, reservations: res };
    }

    const library = modeData(lib.samples, LIB_OPS, sizes, libRounds, libWarmup);
    const cliData = modeData(cli, CLI_OPS, sizes, cliRounds, cliWarmup);
    const rows = [];
    /** @type {[string, string, ModeData, string[]][]} */
    const modes = [['library', 'lib', library, LIB_OPS], ['CLI processes', 'cli', cliData, CLI_OPS]];
    for (const [via, m, d, ops] of modes) {
      for (const op of ops) {
        for (const n of sizes) ctx.metric(`reservations.${m}.${op}.n${n}.ms`, 'ms', 'lower', d.samples_ms[n][op]);
        ctx.metric(`reservations.${m}.${op}.ratio`, 'x', 'lower', d.ratio[op].paired_ratios);
        for (const n of sizes) {
          const s = d.summary[n][op];
          const ratio = d.ratio[op];
          const last = n === ratio.large;
          const ok = ratio.ratio_of_medians !== null && ratio.ratio_of_medians <= RESERVATIONS_TARGET;
          const verdict = !last ? '' : TARGETED.includes(op) ? (ok ? `ok (<=${RESERVATIONS_TARGET}x)` : `OVER ${RESERVATIONS_TARGET}x target`) : '(no target)';
          rows.push([via, opName(op), `${n.toLocaleString('en-US')} live`, s.n, f(s.p50, 2), f(s.p95, 2), last ? `${f(ratio.ratio_of_medians, 2)}x (p95 ${f(ratio.ratio_of_p95, 2)}x)` : '', verdict]);
        }
      }
    }
    return {
      data: {
        sizes,
        target_ratio: RESERVATIONS_TARGET,
        tree: { paths_per_claim: perClaim, seed_agents: agents, root, note: 'claim c reserves pkg<c%100>/src/mod<c/100>/file<k>.ts; every 100th claim one broad glob instead of its last file; measured reserve: a fresh literal path in a busy package; check-paths: 5 unreserved files beside reserved ones (no conflict expected)' },
        seeding,
        library,
        cli: cliData,
        checks,
      },
      table: { headers: ['via', 'op', 'table', 'n', 'p50 ms', 'p95 ms', 'large/small (medians)', 'target'], rows },
    };
  },
});
