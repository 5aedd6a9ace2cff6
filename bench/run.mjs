#!/usr/bin/env node
// @ts-check
/**
 * `make benchmark`: runs the suite (or some parts), prints one table per part on stdout, progress
 * on stderr, and writes every raw sample to bench/results/<timestamp>.json.
 * Exits 1 when any swarmfile multi-agent run loses or duplicates data, whatever its speed.
 */
import { existsSync, mkdirSync, mkdtempSync, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from './lib/formatTable.mjs';
import { describeGit, describeMachine } from './lib/machine.mjs';
import { makeProgress } from './lib/progress.mjs';
import { runTimed } from './lib/runTimed.mjs';
import { describeSizes, resolveSizes } from './lib/sizes.mjs';
import { CLI, ROOT, swarmfileTarget } from './lib/targets.mjs';
import { PAIRED_DEFAULTS } from './lib/compareMetrics.mjs';
import { parseInject, runCompare } from './lib/runCompare.mjs';
import { PARTS } from './parts/index.mjs';

const HELP = `usage: node bench/run.mjs [options]

Runs swarmfile's benchmark suite. Parts (run order): ${PARTS.map((p) => p.name).join(', ')}.

  --only a,b           run only these parts
  --skip a,b           run every part but these
  --quick | --large    workload profile (default: 'default', about 10 minutes on 2 cores)
  --against '<cmd>'    also run the multi-agent workload through <cmd> (SwarmSH arguments)
  --rounds N           sequential rounds for startup/latency (CLI; 0 skips latency's CLI rounds)
  --lib-rounds N       latency's library rounds (also --compare's)
  --cycles N           cycles per agent in multi-agent runs
  --throughput-agents 1,8,32   --sweep-agents 1,2,4   --shard-counts 1,4,16,64
  --scale-sizes 1000,10000     --against-agents 8     --shard-agents 32
  --telemetry-on 'K=V ...'     env for telemetry at 100% sampling (default: ${'OTEL_SDK_DISABLED=false OTEL_TRACES_SAMPLER=always_on'})
  --telemetry-off 'K=V ...'    env for telemetry off (default: OTEL_SDK_DISABLED=true)
  --inject 'op=25ms,op2=10%'   slow these operations on purpose (SWARMFILE_INJECT; with --compare:
                       only the current build), to see that the detector catches it
  --compare REF        interleaved A/B instead of the parts: build git REF in a temporary worktree,
                       run its operations and this checkout's alternately, round by round (ABBA),
                       decide on the paired ratios; prints the verdict table, exits 1 on a regression
  --compare-dir DIR    the same against an already built checkout (dist/ present) instead of a ref
  --compare-via cli,library   what --compare measures (default both; rounds: --rounds, profile)
  --threshold PCT      --compare: percent change that counts (default ${PAIRED_DEFAULTS.threshold})
  --alpha P            --compare: significance level (default ${PAIRED_DEFAULTS.alpha})
  --out FILE           results file (default bench/results/<timestamp>.json; --compare: the verdict)
  --label TEXT         a label stored in the results (e.g. 'baseline')
  --keep               keep the temporary store directories
  --quiet              no progress output
  --list               list the parts and exit
  -h, --help

Exit status: 0 ok; 1 a run lost or duplicated data, or a part failed, or (--compare) a regression;
2 bad usage.`;

/**
 * @param {string[]} argv
 * @returns {Promise<number>} the exit status
 */
export async function main(argv) {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' }, skip: { type: 'string' }, quick: { type: 'boolean' }, large: { type: 'boolean' },
        against: { type: 'string' }, rounds: { type: 'string' }, 'lib-rounds': { type: 'string' }, cycles: { type: 'string' },
        'throughput-agents': { type: 'string' }, 'sweep-agents': { type: 'string' }, 'shard-counts': { type: 'string' },
        'scale-sizes': { type: 'string' }, 'against-agents': { type: 'string' }, 'shard-agents': { type: 'string' },
        'telemetry-on': { type: 'string', default: 'OTEL_SDK_DISABLED=false OTEL_TRACES_SAMPLER=always_on' },
        'telemetry-off': { type: 'string', default: 'OTEL_SDK_DISABLED=true' },
        out: { type: 'string' }, label: { type: 'string' }, keep: { type: 'boolean' }, quiet: { type: 'boolean' },
        list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        inject: { type: 'string' }, compare: { type: 'string' }, 'compare-dir': { type: 'string' }, 'compare-via': { type: 'string' },
        threshold: { type: 'string' }, alpha: { type: 'string' }, all: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`bench: ${/** @type {Error} */ (err).message}\n${HELP}\n`);
    return 2;
  }
  if (args.help) return process.stdout.write(`${HELP}\n`), 0;
  if (args.list) {
    for (const p of PARTS) process.stdout.write(`${p.name.padEnd(12)} ${p.title}\n`);
    return 0;
  }
  const names = PARTS.map((p) => p.name);
  /** @param {string | undefined} s */
  const pick = (s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : null);
  const only = pick(args.only);
  const skip = pick(args.skip) ?? [];
  for (const n of [...(only ?? []), ...skip]) {
    if (!names.includes(n)) {
      process.stderr.write(`bench: unknown part ${n} (parts: ${names.join(', ')})\n`);
      return 2;
    }
  }
  if (!existsSync(CLI)) {
    process.stderr.write(`bench: ${CLI} is missing: run make build\n`);
    return 2;
  }
  const profile = args.quick ? 'quick' : args.large ? 'large' : 'default';
  const sizes = resolveSizes(profile, {
    rounds: args.rounds, libRounds: args['lib-rounds'], cycles: args.cycles, throughputAgents: args['throughput-agents'], sweepAgents: args['sweep-agents'],
    shardCounts: args['shard-counts'], shardAgents: args['shard-agents'], scaleSizes: args['scale-sizes'], againstAgents: args['against-agents'],
  });
  const selected = PARTS.filter((p) => (only ? only.includes(p.name) : !skip.includes(p.name)));
  const progress = makeProgress(process.stderr, { quiet: args.quiet });
  const workRoot = mkdtempSync(join(os.tmpdir(), 'swarmfile-bench-'));
  let tmpCount = 0;
  const started = new Date();
  /** @type {import('./types.js').ResultsFile} */
  const results = {
    schema: 'swarmfile-bench/1',
    label: args.label ?? null,
    started_at: started.toISOString(),
    finished_at: null,
    machine: describeMachine(),
    git: describeGit(ROOT),
    config: { argv, profile, parts: selected.map((p) => p.name), sizes: describeSizes(sizes), against: args.against ?? null, inject: args.inject ?? null, env: pickEnv() },
    parts: {},
    metrics: {},
    invariants: [],
    ok: true,
    failures: [],
  };
  /** @type {import('./types.js').BenchContext} */
  const ctx = {
    opts: { against: args.against, telemetryOn: args['telemetry-on'], telemetryOff: args['telemetry-off'] },
    sizes,
    progress,
    target: swarmfileTarget(),
    tmp: (label) => {
      const d = join(workRoot, `${String(++tmpCount).padStart(3, '0')}-${label}`);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
      return d;
    },
    run: (argvv, env) => runTimed(argvv, { env: env ?? process.env }),
    cli: (cliArgs, env = {}) => runTimed(ctx.target.argv(cliArgs), { env: { ...process.env, ...env } }),
    metric: (name, unit, better, samples) => {
      results.metrics[name] = { unit, better, samples: samples.filter(/** @returns {v is number} */ (v) => typeof v === 'number' && Number.isFinite(v)) };
    },
    checkRun: (label, run, { expectLoss = false } = {}) => {
      const inv = run.invariants;
      results.invariants.push({ run: label, tool: expectLoss ? 'against' : 'swarmfile', ok: inv.ok, lost: inv.lost, duplicated: inv.duplicated, problems: inv.problems });
      if (inv.ok) return;
      const what = `${label}: lost ${inv.lost.total} (claims ${inv.lost.claims}, progress ${inv.lost.progress}, completions ${inv.lost.completions}), duplicated ${inv.duplicated.count}, problems: ${inv.problems.join('; ') || 'none'}`;
      if (expectLoss) return progress.note(`against: ${what}`);
      results.ok = false;
      results.failures.push(`INVARIANT FAILED ${what}`);
      progress.note(`\n!!! INVARIANT FAILED: ${what}\n`);
    },
  };

  if (args.compare || args['compare-dir']) {
    const status = await runCompare(ctx, { ref: args.compare, dir: args['compare-dir'], via: args['compare-via'], inject: args.inject, threshold: args.threshold, alpha: args.alpha, out: args.out, all: args.all, keep: args.keep });
    rmSync(workRoot, { recursive: true, force: true });
    return status;
  }
  if (args.inject) {
    try {
      await parseInject(args.inject);
    } catch (err) {
      process.stderr.write(`bench: --inject: ${/** @type {Error} */ (err).message}\n`);
      return 2;
    }
    // Every measured process inherits it: the whole run is slowed where the spec says.
    process.env.SWARMFILE_INJECT = args.inject;
  }
  for (const part of selected) {
    const t0 = performance.now();
    try {
      const out = await part.run(ctx);
      progress.end();
      results.parts[part.name] = { title: part.title, seconds: (performance.now() - t0) / 1000, ...out };
      if (out.skipped !== undefined) {
        process.stdout.write(`\n== ${part.title}\n${out.skipped}\n`);
        continue;
      }
      process.stdout.write(`\n== ${part.title} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n${formatTable(out.table.headers, out.table.rows)}\n`);
    } catch (thrown) {
      const err = /** @type {Error} */ (thrown);
      progress.end();
      results.ok = false;
      results.failures.push(`${part.name}: ${err.message}`);
      results.parts[part.name] = { title: part.title, error: String(err.stack ?? err) };
      process.stderr.write(`bench: part ${part.name} failed: ${err.stack ?? err}\n`);
    }
  }
  results.finished_at = new Date().toISOString();
  const out = resolve(args.out ?? join(ROOT, 'bench/results', `${started.toISOString().replace(/[:.]/g, '-')}.json`));
  await fs.mkdir(resolve(out, '..'), { recursive: true });
  await fs.writeFile(out, JSON.stringify(results, null, 1));
  if (!args.keep) rmSync(workRoot, { recursive: true, force: true });
  else process.stderr.write(`bench: stores kept in ${workRoot}\n`);
  process.stdout.write(`\nresults: ${out}\n`);
  if (!results.ok) {
    process.stderr.write(`\nbench: FAILED\n${results.failures.map((f) => `  ${f}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

function pickEnv() {
  const keys = ['WORK_QUEUE_SHARDING', 'SWARMFILE_FSYNC', 'FLOCK_TIMEOUT', 'FLOCK_RETRIES', 'FLOCK_BACKOFF_MS', 'FLOCK_BACKOFF_MAX_MS', 'LOCK_STALE_MS', 'SWARMFILE_INJECT_DELAY_MS', 'SWARMFILE_INJECT', 'NODE_OPTIONS'];
  return Object.fromEntries(keys.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/run.mjs')) {
  process.exitCode = await main(process.argv.slice(2));
}
