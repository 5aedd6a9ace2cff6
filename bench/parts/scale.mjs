// @ts-check
/** Operation latency with 1,000 / 10,000 / 100,000 active items already in the store (seeded with import-swarmsh). */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fmt } from '../lib/multiRun.mjs';
import { checkSwarmfileStore } from '../lib/invariants.mjs';
import { summarize } from '../lib/stats.mjs';
import { cliRounds, libraryRounds, OPS } from './latency.mjs';

/**
 * A SwarmSH work_claims.json with n active items, ids far in the past so they never collide.
 * @param {string} dir
 * @param {number} n
 */
export async function writeSwarmshSeed(dir, n) {
  await fs.mkdir(dir, { recursive: true });
  const base = 1_000_000_000_000_000_000n;
  const items = [];
  for (let i = 0; i < n; i++) {
    items.push({ work_item_id: `work_${base + BigInt(i)}`, agent_id: `agent_seed_${i % 50}`, work_type: 'feature', description: `seeded item ${i}`, priority: 'medium', team: 'seed_team', status: 'active', progress: 10, claimed_at: '2026-01-01T00:00:00Z', last_update: '2026-01-01T00:00:00Z' });
  }
  await fs.writeFile(join(dir, 'work_claims.json'), JSON.stringify(items));
}

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'scale',
  title: 'Operation latency vs items in the store',
  async run(ctx) {
    const { scaleSizes, scaleRounds, scaleLibRounds } = ctx.sizes;
    const rows = [];
    const runs = [];
    for (const n of scaleSizes) {
      ctx.progress.start(`scale ${n} items`, scaleRounds + 2);
      const seed = ctx.tmp(`scale-seed-${n}`);
      await writeSwarmshSeed(seed, n);
      const dir = ctx.tmp(`scale-${n}`);
      const imp = await ctx.cli(['import-swarmsh', seed, '--json'], { COORDINATION_DIR: dir });
      if (imp.code !== 0) throw new Error(`scale: import-swarmsh exited ${imp.code}: ${imp.stderr.trim()}`);
      ctx.progress.tick();
      const cli = await cliRounds(ctx, dir, scaleRounds, `scale${n}`);
      const lib = await libraryRounds(dir, scaleLibRounds);
      ctx.progress.tick();
      // Invariant: the seeded items are all still there, nothing duplicated.
      const inv = await checkSwarmfileStore(dir, { claimed: new Set(), progressed: new Set(), completed: new Set() }, { preexisting: { active: n, completed: scaleRounds + scaleLibRounds } });
      if (inv.on_disk.active !== n) inv.problems.push(`expected ${n} seeded active items, found ${inv.on_disk.active}`), (inv.ok = false);
      ctx.checkRun(`scale-${n}`, { invariants: inv });
      /** @typedef {{ samples_ms: import('./latency.mjs').OpSamples, summary: Record<string, import('../types.js').Summary> }} ModeData */
      /** @type {{ items: number, import_ms: number, cli: ModeData, library: ModeData }} */
      const run = { items: n, import_ms: imp.ms, cli: { samples_ms: cli, summary: {} }, library: { samples_ms: lib.samples, summary: {} } };
      for (const op of OPS) {
        run.cli.summary[op] = summarize(cli[op]);
        run.library.summary[op] = summarize(lib.samples[op]);
        ctx.metric(`scale.n${n}.cli.${op}.ms`, 'ms', 'lower', cli[op]);
        ctx.metric(`scale.n${n}.lib.${op}.ms`, 'ms', 'lower', lib.samples[op]);
        rows.push([n, op, fmt(run.cli.summary[op].p50), fmt(run.cli.summary[op].p95), fmt(run.library.summary[op].p50, 2), fmt(run.library.summary[op].p95, 2), op === 'claim' ? fmt(imp.ms / 1000, 2) : '']);
      }
      runs.push(run);
    }
    return { data: { runs }, table: { headers: ['items', 'op', 'CLI p50 ms', 'CLI p95', 'lib p50 ms', 'lib p95', 'import s'], rows } };
  },
};
