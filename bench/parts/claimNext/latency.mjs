// @ts-check
/**
 * claimnext measurement 2: claim-next latency with 100 and with 100,000 queued items (target: 100k
 * within 2x of 100). Both backlogs are written directly as segment files and checked through the
 * CLI. Library: single claimNext calls in one process, alternating between the two stores round by
 * round; CLI: wall time of `claim-next` processes, alternating the same way. After each timed claim
 * the item is completed and a new one added (untimed), so both stores keep exactly n queued items.
 */
/** @import { BenchContext, InvariantReport, Summary } from '../../types.js' */
import { scanStore } from '../../../test/support/storeInvariants.mjs';
import { spawnQueueHelper } from '../../lib/childProcesses.mjs';
import { checkSwarmfileStore } from '../../lib/invariants.mjs';
import { newLedger } from '../../lib/runAgents.mjs';
import { verifySeed, writeBacklogSegments } from '../../lib/seedBacklog.mjs';
import { median, percentile, summarize } from '../../lib/stats.mjs';

/** claim-next with the large queue may take at most this many times as long as with the small one. */
export const LATENCY_TARGET = 2;

/**
 * The large queue against the small one. Medians of no samples count as 0, as plain arithmetic
 * on their null did.
 * @typedef {{ small: number, large: number, ratio_of_medians: number, ratio_of_p95: number, median_paired_ratio: number | null, paired_ratios: number[] }} QueueRatio
 */

/** @param {number[]} xs */
const mid = (xs) => Number(median(xs));
/** @param {number[]} xs */
const p95 = (xs) => Number(percentile(xs, 95));

/**
 * @param {BenchContext} ctx
 * @param {Record<string, string>} env
 */
export async function latency(ctx, env) {
  const { claimNextQueueSizes: sizes, claimNextLibRounds: libRounds, claimNextCliRounds: cliRounds } = ctx.sizes;
  const cliWarmup = 2;
  const libWarmup = 5;
  ctx.progress.start('claimnext latency: seeding', sizes.length);
  const stores = [];
  for (const n of sizes) {
    const dir = ctx.tmp(`claimnext-queue-${n}`);
    const init = await ctx.cli(['register', 'store_creator'], { ...env, COORDINATION_DIR: dir }); // creates the store (reads do not)
    if (init.code !== 0) throw new Error(`claimnext: register exited ${init.code}: ${init.stderr.trim()}`);
    const t = performance.now();
    const ids = await writeBacklogSegments(dir, n);
    const seedMs = performance.now() - t;
    const verify = await verifySeed(ctx, dir, ids, env);
    stores.push({ n, dir, seed_ms: seedMs, segments: Math.ceil(n / 256), verify, invariants: /** @type {InvariantReport | null} */ (null) });
    ctx.progress.tick();
  }

  ctx.progress.start('claimnext latency: library', 1);
  const lib = spawnQueueHelper('claimnext latency', { mode: 'latency', stores: stores.map(({ n, dir }) => ({ n, dir })), rounds: libRounds, warmup: libWarmup }, { ...process.env, ...env });
  const libOut = await lib.waitFor((e) => e.event === 'done', 600_000);
  await lib.exit();
  /** @type {Record<number, { claim_next: number[], add: number[] }>} */
  const libSamples = libOut.samples;
  /** @type {string[]} */
  const libProblems = libOut.problems;
  ctx.progress.tick();

  // CLI: a driver per store completes each claimed item and adds a replacement, off the clock.
  ctx.progress.start('claimnext latency: CLI', (cliRounds + cliWarmup) * stores.length);
  const drivers = stores.map((s) => spawnQueueHelper(`claimnext driver ${s.n}`, { mode: 'serve', dir: s.dir, agentIds: [] }, { ...process.env, ...env }));
  await Promise.all(drivers.map((d) => d.waitFor((e) => e.event === 'ready')));
  /** @type {Record<number, number[]>} */
  const cli = Object.fromEntries(sizes.map((n) => [n, []]));
  /** @type {Record<number, string[]>} */
  const problems = Object.fromEntries(sizes.map((n) => [n, libProblems.filter((p) => p.startsWith(`store of ${n}:`))]));
  for (let r = -cliWarmup; r < cliRounds; r++) {
    const order = r % 2 === 0 ? stores.map((_, i) => i) : stores.map((_, i) => stores.length - 1 - i);
    for (const i of order) {
      const s = stores[i];
      const agent = 'bench_cli_latency';
      const c = await ctx.cli(['claim-next'], { ...env, COORDINATION_DIR: s.dir, AGENT_ID: agent });
      if (c.code !== 0) throw new Error(`claimnext: claim-next on ${s.n} queued exited ${c.code}: ${c.stderr.trim()}`);
      const id = c.stdout.trim();
      drivers[i].send({ op: 'complete', agent, id });
      const done = await drivers[i].waitFor((e) => (e.event === 'completed' || e.event === 'complete-failed') && e.id === id);
      if (done.event !== 'completed') problems[s.n].push(`complete ${id} failed: ${done.code} ${done.message}`);
      drivers[i].send({ op: 'add', tag: `cli ${r}` });
      await drivers[i].waitFor((e) => e.event === 'added');
      if (r >= 0) cli[s.n].push(c.ms);
      ctx.progress.tick();
    }
  }
  await Promise.all(drivers.map((d) => d.exit()));

  // Each store must still hold exactly n queued items, nothing active, every round completed once.
  for (const s of stores) {
    const completions = libWarmup + libRounds + cliWarmup + cliRounds;
    const inv = await checkSwarmfileStore(s.dir, newLedger(), { preexisting: { active: 0, completed: completions } });
    const queued = scanStore(s.dir).backlog.size;
    if (queued !== s.n) inv.problems.push(`${queued} items queued after the rounds, expected ${s.n}`);
    if (inv.on_disk.active !== 0) inv.problems.push(`${inv.on_disk.active} items left claimed`);
    if (inv.on_disk.completed !== completions) inv.problems.push(`${inv.on_disk.completed} completed items, expected ${completions}`);
    inv.problems.push(...problems[s.n]);
    inv.ok = inv.ok && inv.problems.length === 0;
    ctx.checkRun(`claimnext-queue-${s.n}`, { invariants: inv });
    s.invariants = inv;
  }

  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  /**
   * @param {Record<number, number[]>} samples
   * @returns {QueueRatio}
   */
  const ratioOf = (samples) => {
    const a = samples[small];
    const b = samples[large];
    const paired = a.map((v, i) => b[i] / v).filter(Number.isFinite);
    return { small, large, ratio_of_medians: mid(b) / mid(a), ratio_of_p95: p95(b) / p95(a), median_paired_ratio: median(paired), paired_ratios: paired };
  };
  /**
   * @param {(n: number) => number[]} samplesOf
   * @returns {Record<number, Summary>}
   */
  const summaries = (samplesOf) => Object.fromEntries(sizes.map((n) => [n, summarize(samplesOf(n))]));
  /** @type {Record<number, number[]>} */
  const libClaimNext = Object.fromEntries(sizes.map((n) => [n, libSamples[n].claim_next]));
  const library = {
    rounds: libRounds,
    warmup: libWarmup,
    samples_ms: libClaimNext,
    summary: summaries((n) => libClaimNext[n]),
    add_summary: summaries((n) => libSamples[n].add),
    ratio: { ...ratioOf(libClaimNext), add_ratio_of_medians: mid(libSamples[large].add) / mid(libSamples[small].add) },
  };
  const cliOut = { rounds: cliRounds, warmup: cliWarmup, samples_ms: cli, summary: summaries((n) => cli[n]), ratio: ratioOf(cli) };
  return { sizes, target_ratio: LATENCY_TARGET, stores, library, cli: cliOut };
}
