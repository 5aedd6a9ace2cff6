// @ts-check
/**
 * Per-operation latency percentiles, through the CLI (one process per call) and the library:
 * claim, progress and complete (SwarmSH's cycle), and with `queue` also add and claim-next (the
 * work queue: each round adds one item and claim-next takes it; its completion is not timed).
 */
import { join } from 'node:path';
import { summarize } from '../lib/stats.mjs';
import { runOrThrow } from '../lib/runTimed.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';

export const OPS = ['claim', 'progress', 'complete'];
export const QUEUE_OPS = ['add', 'claim-next'];

/**
 * Raw samples (ms) per operation, and what bench/children/libraryLatency.mjs prints.
 * @typedef {Record<string, number[]>} OpSamples
 * @typedef {{ samples: OpSamples, maxRssBytes: number }} LibraryRounds
 */

/**
 * Sequential claim/progress/complete rounds through the CLI; returns samples per op.
 * @param {import('../types.js').BenchContext} ctx
 * @param {string} dir
 * @param {number} rounds
 * @param {string} label
 * @param {Record<string, string>} [extraEnv]
 * @returns {Promise<OpSamples>}
 */
export async function cliRounds(ctx, dir, rounds, label, extraEnv = {}, { queue = false } = {}) {
  const env = { COORDINATION_DIR: dir, AGENT_ID: `bench_${label}`, ...extraEnv };
  /** @type {OpSamples} */
  const samples = Object.fromEntries((queue ? [...OPS, ...QUEUE_OPS] : OPS).map((op) => [op, []]));
  for (let r = 0; r < rounds; r++) {
    if (queue) await cliQueueRound(ctx, env, `${label} ${r}`, samples);
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

/**
 * add (timed), claim-next (timed), complete (off the clock): one item through the queue.
 * @param {import('../types.js').BenchContext} ctx
 * @param {Record<string, string>} env
 * @param {string} text
 * @param {OpSamples} samples
 */
async function cliQueueRound(ctx, env, text, samples) {
  const a = await ctx.cli(['add', 'benchmark', text, 'medium', 'bench_team'], env);
  if (a.code !== 0) throw new Error(`add exited ${a.code}: ${a.stderr.trim()}`);
  const n = await ctx.cli(['claim-next'], env);
  if (n.code !== 0) throw new Error(`claim-next exited ${n.code}: ${n.stderr.trim()}`);
  // The store holds nothing else queued, so claim-next must have taken the item just added.
  if (n.stdout.trim() !== a.stdout.trim()) throw new Error(`claim-next took ${n.stdout.trim()}, not the item just added (${a.stdout.trim()})`);
  const d = await ctx.cli(['complete', n.stdout.trim(), 'success', '1'], env);
  if (d.code !== 0) throw new Error(`complete after claim-next exited ${d.code}: ${d.stderr.trim()}`);
  samples.add.push(a.ms);
  samples['claim-next'].push(n.ms);
}

/**
 * The same rounds through the library in one child process (bench/children/libraryLatency.mjs).
 * @param {string} dir
 * @param {number} rounds
 * @param {Record<string, string>} [env]
 * @returns {Promise<LibraryRounds>}
 */
export async function libraryRounds(dir, rounds, env = {}, { queue = false } = {}) {
  const out = await runOrThrow([process.execPath, join(ROOT, 'bench/children/libraryLatency.mjs'), JSON.stringify({ dir, rounds, library: LIBRARY, queue })], { env: { ...process.env, ...env } });
  return JSON.parse(out);
}

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'latency',
  title: 'Per-operation latency (CLI and library)',
  async run(ctx) {
    const { latencyCliRounds: cliN, latencyLibRounds: libN } = ctx.sizes;
    ctx.progress.start('latency (cli)', cliN);
    const cli = await cliRounds(ctx, ctx.tmp('latency-cli'), cliN, 'latency', {}, { queue: true });
    ctx.progress.start('latency (library)', 1);
    const lib = await libraryRounds(ctx.tmp('latency-lib'), libN, {}, { queue: true });
    ctx.progress.tick();
    const rows = [];
    /** @typedef {{ rounds: number, samples_ms: OpSamples, summary: Record<string, import('../types.js').Summary> }} ModeData */
    /** @type {{ cli: ModeData, library: ModeData }} */
    const data = { cli: { rounds: cliN, samples_ms: cli, summary: {} }, library: { rounds: libN, samples_ms: lib.samples, summary: {} } };
    /** @type {[string, OpSamples, ModeData][]} */
    const modes = [['cli', cli, data.cli], ['lib', lib.samples, data.library]];
    for (const [mode, s, d] of modes) {
      for (const op of [...OPS, ...QUEUE_OPS]) {
        const sum = summarize(s[op]);
        d.summary[op] = sum;
        ctx.metric(`latency.${mode}.${op}.ms`, 'ms', 'lower', s[op]);
        rows.push([mode === 'cli' ? 'CLI' : 'library', op, sum.n, f(sum.p50), f(sum.p95), f(sum.p99)]);
      }
    }
    return { data, table: { headers: ['via', 'op', 'n', 'p50 ms', 'p95 ms', 'p99 ms'], rows } };
  },
};

/** @param {number | null} v */
const f = (v) => (v === null ? '-' : v.toFixed(2));
