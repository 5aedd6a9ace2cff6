// @ts-check
/**
 * Per-operation latency percentiles, through the CLI (one process per call) and the library:
 * claim, progress and complete (SwarmSH's cycle), and with `queue` also add and claim-next (the
 * work queue: each round adds one item and claim-next takes it; its completion is not timed).
 * Each call is paired with a calibration run just before it (bench/lib/calibration.mjs); a call's
 * calibrated ratio is its time over the median calibration of its round. The results carry both
 * the raw ms (`latency.<via>.<op>.ms`) and the ratio (`latency.<via>.<op>.ratio`), which the
 * regression detector tests by default.
 */
import { join } from 'node:path';
import { median, summarize } from '../lib/stats.mjs';
import { CALIBRATION_BYTES, calibratedRatios, NODE_BASELINE, roundCalibration } from '../lib/calibration.mjs';
import { runOrThrow } from '../lib/runTimed.mjs';
import { LIBRARY, ROOT } from '../lib/targets.mjs';

export const OPS = ['claim', 'progress', 'complete'];
export const QUEUE_OPS = ['add', 'claim-next'];

/**
 * Raw samples (ms) per operation, and what bench/children/libraryLatency.mjs prints.
 * @typedef {Record<string, number[]>} OpSamples
 * @typedef {{ samples: OpSamples, calibration: OpSamples | null, maxRssBytes: number }} LibraryRounds
 */

/**
 * Sequential claim/progress/complete rounds through the CLI; returns samples per op. With
 * `calibration` (an object to fill), each call is preceded by `node -e 0`, whose time goes there.
 * @param {import('../types.js').BenchContext} ctx
 * @param {string} dir
 * @param {number} rounds
 * @param {string} label
 * @param {Record<string, string>} [extraEnv]
 * @param {{ queue?: boolean, calibration?: OpSamples }} [options]
 * @returns {Promise<OpSamples>}
 */
export async function cliRounds(ctx, dir, rounds, label, extraEnv = {}, { queue = false, calibration } = {}) {
  const env = { COORDINATION_DIR: dir, AGENT_ID: `bench_${label}`, ...extraEnv };
  const ops = queue ? [...OPS, ...QUEUE_OPS] : OPS;
  /** @type {OpSamples} */
  const samples = Object.fromEntries(ops.map((op) => [op, []]));
  for (const op of ops) if (calibration) calibration[op] ??= [];
  /** @type {(op: string, args: string[]) => Promise<import('../types.js').Timed>} */
  const call = async (op, args) => {
    const base = calibration ? await ctx.run(NODE_BASELINE) : null;
    const res = await ctx.cli(args, env);
    if (res.code !== 0) throw new Error(`${label}: ${op} exited ${res.code}: ${res.stderr.trim()}`);
    if (ops.includes(op)) {
      samples[op].push(res.ms);
      if (base && calibration) calibration[op].push(base.ms);
    }
    return res;
  };
  for (let r = 0; r < rounds; r++) {
    if (queue) {
      // add, claim-next, then complete (untimed): one item through the queue. The store holds
      // nothing else queued, so claim-next must take the item just added.
      const a = (await call('add', ['add', 'benchmark', `${label} ${r}`, 'medium', 'bench_team'])).stdout.trim();
      const n = (await call('claim-next', ['claim-next'])).stdout.trim();
      if (n !== a) throw new Error(`claim-next took ${n}, not the item just added (${a})`);
      const d = await ctx.cli(['complete', n, 'success', '1'], env);
      if (d.code !== 0) throw new Error(`complete after claim-next exited ${d.code}: ${d.stderr.trim()}`);
    }
    const id = (await call('claim', ['claim', 'benchmark', `${label} ${r}`, 'medium', 'bench_team'])).stdout.trim();
    await call('progress', ['progress', id, '50', 'in_progress']);
    await call('complete', ['complete', id, 'success', '3']);
    ctx.progress.tick();
  }
  return samples;
}

/**
 * The same rounds through the library in one child process (bench/children/libraryLatency.mjs);
 * with `calibrate`, also the library calibration run before each operation (bench/lib/calibration.mjs).
 * @param {string} dir
 * @param {number} rounds
 * @param {Record<string, string>} [env]
 * @returns {Promise<LibraryRounds>}
 */
export async function libraryRounds(dir, rounds, env = {}, { queue = false, calibrate = false } = {}) {
  return libraryChild({ sides: [{ library: LIBRARY, dir }], rounds, queue, calibrate }, env);
}

/**
 * Runs bench/children/libraryLatency.mjs with a spec (see there) and returns what it prints.
 * @param {{ sides: { library: string, dir: string, overrides?: Record<string, unknown> }[], rounds: number, queue: boolean, calibrate?: boolean, warmup?: number }} spec
 * @param {Record<string, string>} [env]
 */
export async function libraryChild(spec, env = {}) {
  return JSON.parse(await runOrThrow([process.execPath, join(ROOT, 'bench/children/libraryLatency.mjs'), JSON.stringify(spec)], { env: { ...process.env, ...env } }));
}

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'latency',
  title: 'Per-operation latency (CLI and library)',
  async run(ctx) {
    const { latencyCliRounds: cliN, latencyLibRounds: libN } = ctx.sizes;
    ctx.progress.start('latency (cli)', cliN);
    /** @type {OpSamples} */
    const cliCal = {};
    const cli = await cliRounds(ctx, ctx.tmp('latency-cli'), cliN, 'latency', {}, { queue: true, calibration: cliCal });
    ctx.progress.start('latency (library)', 1);
    const lib = await libraryRounds(ctx.tmp('latency-lib'), libN, {}, { queue: true, calibrate: true });
    ctx.progress.tick();
    const libCal = /** @type {OpSamples} */ (lib.calibration);
    const rows = [];
    /** @typedef {{ rounds: number, samples_ms: OpSamples, calibration_ms: OpSamples, calibrated_by: string, summary: Record<string, import('../types.js').Summary & { calibrated_ratio: number | null }> }} ModeData */
    /** @type {{ cli: ModeData, library: ModeData }} */
    const data = {
      cli: { rounds: cliN, samples_ms: cli, calibration_ms: cliCal, calibrated_by: 'node -e 0 run before each call', summary: {} },
      library: { rounds: libN, samples_ms: lib.samples, calibration_ms: libCal, calibrated_by: `a ${CALIBRATION_BYTES / 1024} KiB write + fsync + rename, a lock file taken and dropped and a JSON loop before each call`, summary: {} },
    };
    /** @type {[string, ModeData][]} */
    const modes = cliN > 0 ? [['cli', data.cli], ['lib', data.library]] : [['lib', data.library]];
    for (const [mode, d] of modes) {
      const perRound = roundCalibration(d.calibration_ms);
      for (const op of [...OPS, ...QUEUE_OPS]) {
        const ratios = calibratedRatios(d.samples_ms[op], perRound);
        const sum = summarize(d.samples_ms[op]);
        d.summary[op] = { ...sum, calibrated_ratio: median(ratios) };
        ctx.metric(`latency.${mode}.${op}.ms`, 'ms', 'lower', d.samples_ms[op]);
        ctx.metric(`latency.${mode}.${op}.ratio`, 'x', 'lower', ratios);
        rows.push([mode === 'cli' ? 'CLI' : 'library', op, sum.n, f(sum.p50), f(sum.p95), f(sum.p99), f(median(perRound)), f(median(ratios))]);
      }
    }
    return { data, table: { headers: ['via', 'op', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'calibration p50 ms', 'calibrated (x)'], rows } };
  },
};

/** @param {number | null} v */
const f = (v) => (v === null ? '-' : v.toFixed(2));
