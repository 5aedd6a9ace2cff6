// @ts-check
/**
 * Interleaved A/B measurement of two builds (`bench/run.mjs --compare`): both builds' operations
 * run alternately, round by round in ABBA order (A B, B A, A B, ...), through the CLI (each build's
 * coordination_helper, one process per call) and through the library (both builds loaded in one
 * child process). Sample i of A and of B come from the same moment, so the per-round ratios B/A
 * cancel whatever load the machine carried, and comparePaired decides on them.
 */
import { cliRounds, libraryChild, OPS, QUEUE_OPS } from '../parts/latency.mjs';
import { runTimed } from './runTimed.mjs';

export const VIAS = ['cli', 'library'];

/**
 * @typedef {import('./buildRef.mjs').Build} Build
 * @typedef {import('./compareMetrics.mjs').PairedInput} PairedInput
 * @typedef {{ via: string[], cliRounds: number, libRounds: number, inject?: { text: string, spec: Record<string, unknown> } | null, libWarmup?: number }} CompareOptions
 */

/**
 * Runs both builds and returns paired samples per metric (`compare.<via>.<op>.ms`).
 * @param {import('../types.js').BenchContext} ctx
 * @param {Build} a the baseline
 * @param {Build} b the current build (the one an --inject slows)
 * @param {CompareOptions} options
 * @returns {Promise<Record<string, PairedInput>>}
 */
export async function measurePaired(ctx, a, b, { via, cliRounds: cliN, libRounds: libN, inject = null, libWarmup = 5 }) {
  /** @type {Record<string, PairedInput>} */
  const pairs = {};
  const ops = [...OPS, ...QUEUE_OPS];
  if (via.includes('cli')) {
    const sides = [a, b].map((build, i) => ({
      build,
      dir: ctx.tmp(`compare-cli-${'ab'[i]}`),
      // Only the current build is slowed; an empty value is no injection (whatever our env says).
      env: { SWARMFILE_INJECT: i === 1 && inject ? inject.text : '' },
      /** @type {import('../types.js').BenchContext} */
      ctx: { ...ctx, cli: (args, env = {}) => runTimed([process.execPath, build.cli, ...args], { env: { ...process.env, ...env } }) },
      /** @type {Record<string, number[]>} */
      samples: Object.fromEntries(ops.map((op) => [op, []])),
    }));
    ctx.progress.start('compare (cli)', cliN + 1);
    for (let r = -1; r < cliN; r++) {
      // Round -1 warms the page cache and creates both stores; it is not kept.
      for (const s of r % 2 ? [...sides].reverse() : sides) {
        const got = await cliRounds({ ...s.ctx, progress: { ...ctx.progress, tick: () => {} } }, s.dir, 1, `compare_${r}`, s.env, { queue: true });
        if (r >= 0) for (const op of ops) s.samples[op].push(...got[op]);
      }
      ctx.progress.tick();
    }
    for (const op of ops) pairs[`compare.cli.${op}.ms`] = { unit: 'ms', better: 'lower', baseline: sides[0].samples[op], current: sides[1].samples[op] };
  }
  if (via.includes('library')) {
    ctx.progress.start('compare (library)', 1);
    const got = await libraryChild({
      sides: [
        { library: a.library, dir: ctx.tmp('compare-lib-a'), overrides: { inject: {} } },
        { library: b.library, dir: ctx.tmp('compare-lib-b'), overrides: { inject: inject?.spec ?? {} } },
      ],
      rounds: libN,
      queue: true,
      warmup: libWarmup,
    });
    ctx.progress.tick();
    const [sa, sb] = /** @type {Record<string, number[]>[]} */ (got.samples);
    for (const op of ops) pairs[`compare.library.${op}.ms`] = { unit: 'ms', better: 'lower', baseline: sa[op], current: sb[op] };
  }
  return pairs;
}
