/** Per-operation latency percentiles, through the CLI (one process per call) and the library. */
import { join } from 'node:path';
import { summarize } from '../lib/stats.mjs';
import { runOrThrow } from '../lib/runTimed.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';

export const OPS = ['claim', 'progress', 'complete'];

/** Sequential claim/progress/complete rounds through the CLI; returns samples per op. */
export async function cliRounds(ctx, dir, rounds, label, extraEnv = {}) {
  const env = { COORDINATION_DIR: dir, AGENT_ID: `bench_${label}`, ...extraEnv };
  const samples = { claim: [], progress: [], complete: [] };
  for (let r = 0; r < rounds; r++) {
    const c = await ctx.cli(['claim', 'benchmark', `${label} ${r}`, 'medium', 'bench_team'], env);
    if (c.code !== 0) throw new Error(`${label}: claim exited ${c.code}: ${c.stderr.trim()}`);
    const id = c.stdout.trim();
    const p = await ctx.cli(['progress', id, '50', 'in_progress'], env);
    const d = await ctx.cli(['complete', id, 'success', '3'], env);
    if (p.code || d.code) throw new Error(`${label}: progress/complete exited ${p.code}/${d.code}: ${p.stderr}${d.stderr}`);
    samples.claim.push(c.ms);
    samples.progress.push(p.ms);
    samples.complete.push(d.ms);
    ctx.progress.tick();
  }
  return samples;
}

/** The same rounds through the library in one child process (bench/libraryLatency.mjs). */
export async function libraryRounds(dir, rounds, env = {}) {
  const out = await runOrThrow([process.execPath, join(ROOT, 'bench/libraryLatency.mjs'), JSON.stringify({ dir, rounds, library: LIBRARY })], { env: { ...process.env, ...env } });
  return JSON.parse(out);
}

export default {
  name: 'latency',
  title: 'Per-operation latency (CLI and library)',
  async run(ctx) {
    const { latencyCliRounds: cliN, latencyLibRounds: libN } = ctx.sizes;
    ctx.progress.start('latency (cli)', cliN);
    const cli = await cliRounds(ctx, ctx.tmp('latency-cli'), cliN, 'latency');
    ctx.progress.start('latency (library)', 1);
    const lib = await libraryRounds(ctx.tmp('latency-lib'), libN);
    ctx.progress.tick();
    const rows = [];
    const data = { cli: { rounds: cliN, samples_ms: cli, summary: {} }, library: { rounds: libN, samples_ms: lib.samples, summary: {} } };
    for (const [mode, s, d] of [['cli', cli, data.cli], ['lib', lib.samples, data.library]]) {
      for (const op of OPS) {
        const sum = summarize(s[op]);
        d.summary[op] = sum;
        ctx.metric(`latency.${mode}.${op}.ms`, 'ms', 'lower', s[op]);
        rows.push([mode === 'cli' ? 'CLI' : 'library', op, sum.n, f(sum.p50), f(sum.p95), f(sum.p99)]);
      }
    }
    return { data, table: { headers: ['via', 'op', 'n', 'p50 ms', 'p95 ms', 'p99 ms'], rows } };
  },
};

const f = (v) => (v === null ? '-' : v.toFixed(2));
