// @ts-check
/**
 * `bench/run.mjs --compare REF` (and `make benchmark COMPARE=REF`): builds REF in a temporary
 * worktree (or takes an already built checkout, --compare-dir), measures it and this checkout in
 * the same rounds (compareBuilds.mjs), decides on the paired per-round ratios, prints the same
 * table as detect-regressions and writes the verdict JSON. Returns the exit status: 1 on a
 * regression, 0 otherwise, 2 for bad usage.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { builtTree, buildRef } from './buildRef.mjs';
import { measurePaired, VIAS } from './compareBuilds.mjs';
import { comparePaired, PAIRED_DEFAULTS } from './compareMetrics.mjs';
import { describeGit, describeMachine } from './machine.mjs';
import { formatVerdict, writeVerdict } from './printVerdict.mjs';
import { ROOT } from './targets.mjs';

/**
 * @typedef {{ ref?: string, dir?: string, via?: string, inject?: string, threshold?: string, alpha?: string, out?: string, all?: boolean, keep?: boolean }} CompareArgs
 */

/**
 * The --inject text as the current build parses it (SWARMFILE_INJECT's syntax), or null.
 * @param {string | undefined} text
 * @param {string} root a built checkout
 */
export async function parseInject(text, root = ROOT) {
  if (!text) return null;
  const { parseInjectSpec } = await import(pathToFileURL(join(root, 'dist/coordinator/injectDelay.js')).href);
  return { text, spec: { ...parseInjectSpec(text) } };
}

/**
 * @param {import('../types.js').BenchContext} ctx
 * @param {CompareArgs} args
 * @returns {Promise<number>}
 */
export async function runCompare(ctx, args) {
  const via = (args.via ?? VIAS.join(',')).split(',').map((v) => (v.trim() === 'lib' ? 'library' : v.trim())).filter(Boolean);
  const threshold = args.threshold === undefined ? PAIRED_DEFAULTS.threshold : Number(args.threshold);
  const alpha = args.alpha === undefined ? PAIRED_DEFAULTS.alpha : Number(args.alpha);
  const bad = via.find((v) => !VIAS.includes(v));
  if (bad || !via.length || !Number.isFinite(threshold) || !(alpha > 0 && alpha < 1)) {
    process.stderr.write(`bench: --compare-via takes ${VIAS.join(',')}; --threshold and --alpha must be numbers (0 < alpha < 1)\n`);
    return 2;
  }
  let inject;
  try {
    inject = await parseInject(args.inject);
  } catch (err) {
    process.stderr.write(`bench: --inject: ${/** @type {Error} */ (err).message}\n`);
    return 2;
  }
  let a;
  try {
    a = args.dir ? builtTree(args.dir, args.dir, describeGit(args.dir).commit) : buildRef(/** @type {string} */ (args.ref), { note: (m) => ctx.progress.note(m) });
  } catch (err) {
    process.stderr.write(`bench: ${/** @type {Error} */ (err).message}\n`);
    return 2;
  }
  try {
    const git = describeGit(ROOT);
    const b = builtTree(ROOT, 'working tree', git.commit);
    const started = new Date();
    const rounds = { cli: ctx.sizes.latencyCliRounds, library: ctx.sizes.latencyLibRounds };
    const pairs = await measurePaired(ctx, a, b, { via, cliRounds: rounds.cli, libRounds: rounds.library, inject });
    ctx.progress.end();
    const verdict = comparePaired(pairs, { threshold, alpha });
    const result = {
      schema: 'swarmfile-compare/1',
      created_at: new Date().toISOString(),
      started_at: started.toISOString(),
      mode: 'interleaved A/B (ABBA), paired per round',
      baseline: { ref: args.ref ?? null, dir: a.root, commit: a.commit },
      current: { dir: ROOT, git },
      machine: describeMachine(),
      via,
      rounds,
      inject: inject?.text ?? null,
      samples_ms: pairs,
      ...verdict,
    };
    const notes = [`baseline ${args.ref ?? a.root} (${a.commit?.slice(0, 10) ?? 'unknown commit'}) against this checkout (${git.commit?.slice(0, 10)}${git.dirty ? ', dirty' : ''}); change = current/baseline per round (trimmed mean of log-ratios), p = Wilcoxon signed-rank${inject ? `; injected into the current build: ${inject.text}` : ''}`];
    process.stdout.write(`\n== Interleaved comparison (ABBA, ${via.map((v) => `${rounds[/** @type {'cli' | 'library'} */ (v)]} ${v} rounds`).join(', ')})\n`);
    process.stdout.write(formatVerdict(verdict, { all: args.all ?? true, notes }));
    process.stdout.write(`verdict: ${await writeVerdict(result, args.out ?? join(ROOT, 'bench/results', `compare-${started.toISOString().replace(/[:.]/g, '-')}.json`))}\n`);
    return verdict.ok ? 0 : 1;
  } finally {
    if (!args.keep) a.remove();
    else if (!args.dir) process.stderr.write(`bench: baseline worktree kept in ${a.root} (git worktree remove --force ${a.root})\n`);
  }
}
