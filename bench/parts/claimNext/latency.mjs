/**
 * claimnext measurement 2: claim-next latency with 100 and with 100,000 queued items (target: 100k
 * within 2x of 100). Both backlogs are written directly as segment files and checked through the
 * CLI. Library: single claimNext calls in one process, alternating between the two stores round by
 * round; CLI: wall time of `claim-next` processes, alternating the same way. After each timed claim
 * the item is completed and a new one added (untimed), so both stores keep exactly n queued items.
 */
import { scanStore } from '../../../test/support/storeInvariants.mjs';
import { spawnQueueHelper } from '../../lib/childProcesses.mjs';
import { checkSwarmfileStore } from '../../lib/invariants.mjs';
import { newLedger } from '../../lib/runAgents.mjs';
import { verifySeed, writeBacklogSegments } from '../../lib/seedBacklog.mjs';
import { median, percentile, summarize } from '../../lib/stats.mjs';

/** claim-next with the large queue may take at most this many times as long as with the small one. */
export const LATENCY_TARGET = 2;

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
    stores.push({ n, dir, seed_ms: seedMs, segments: Math.ceil(n / 256), verify });
    ctx.progress.tick();
  }

  ctx.progress.start('claimnext latency: library', 1);
  const lib = spawnQueueHelper('claimnext latency', { mode: 'latency', stores: stores.map(({ n, dir }) => ({ n, dir })), rounds: libRounds, warmup: libWarmup }, { ...process.env, ...env });
  const libOut = await lib.waitFor((e) => e.event === 'done', 600_000);
  await lib.exit();
  ctx.progress.tick();

  // CLI: a driver per store completes each claimed item and adds a replacement, off the clock.
  ctx.progress.start('claimnext latency: CLI', (cliRounds + cliWarmup) * stores.length);
  const drivers = stores.map((s) => spawnQueueHelper(`claimnext driver ${s.n}`, { mode: 'serve', dir: s.dir, agentIds: [] }, { ...process.env, ...env }));
  await Promise.all(drivers.map((d) => d.waitFor((e) => e.event === 'ready')));
  const cli = Object.fromEntries(sizes.map((n) => [n, []]));
  const problems = Object.fromEntries(sizes.map((n) => [n, libOut.problems.filter((p) => p.startsWith(`store of ${n}:`))]));
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

  const out = { sizes, target_ratio: LATENCY_TARGET, stores, library: { rounds: libRounds, warmup: libWarmup, samples_ms: {}, summary: {} }, cli: { rounds: cliRounds, warmup: cliWarmup, samples_ms: cli, summary: {} } };
  for (const n of sizes) {
    out.library.samples_ms[n] = libOut.samples[n].claim_next;
    out.library.summary[n] = summarize(libOut.samples[n].claim_next);
    out.library.add_summary = { ...(out.library.add_summary ?? {}), [n]: summarize(libOut.samples[n].add) };
    out.cli.summary[n] = summarize(cli[n]);
  }
  const [small, large] = [sizes[0], sizes[sizes.length - 1]];
  for (const [mode, samples] of [['library', out.library.samples_ms], ['cli', out.cli.samples_ms]]) {
    const a = samples[small];
    const b = samples[large];
    const paired = a.map((v, i) => b[i] / v).filter(Number.isFinite);
    out[mode].ratio = { small, large, ratio_of_medians: median(b) / median(a), ratio_of_p95: percentile(b, 95) / percentile(a, 95), median_paired_ratio: median(paired), paired_ratios: paired };
  }
  out.library.ratio.add_ratio_of_medians = median(libOut.samples[large].add) / median(libOut.samples[small].add);
  return out;
}
