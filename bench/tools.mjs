#!/usr/bin/env node
// @ts-check
/**
 * The workloads behind scripts/benchmark_operation.sh, stress_test.sh, load_test.sh and
 * find_max_throughput.sh. Every multi-agent run ends with the invariant check; a run that loses or
 * duplicates data exits 1 whatever its speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatTable } from './lib/formatTable.mjs';
import { runCommandAgents } from './lib/runAgents.mjs';
import { runTimed } from './lib/runTimed.mjs';
import { summarize } from './lib/stats.mjs';
import { commandTarget, swarmfileTarget } from './lib/targets.mjs';

const HELP = {
  operation: `usage: benchmark_operation.sh <claim|progress|complete> <count> [--against '<cmd>'] [--json]
Times <count> sequential calls of one operation through the CLI (items for progress/complete are
claimed first, untimed) and prints p50/p95/p99.`,
  stress: `usage: stress_test.sh --agents N --duration S [--ramp-up S] [--against '<cmd>'] [--json]
N agent loops of claim -> progress -> complete for S seconds, agent i starting at i*ramp-up/N;
prints throughput, latency, success rate and the invariant check (exit 1 on lost or duplicated data).`,
  load: `usage: load_test.sh --start-ops R --max-ops M --step K --duration S [--against '<cmd>'] [--json]
Open-loop load: each step starts full cycles at a fixed rate of R ops/s (a cycle is 3 ops) for S
seconds, then raises R by K up to M. Stops early when the achieved rate falls under 90% of the
target or operations fail. Prints per-step achieved ops/s, latency and success.`,
  max: `usage: find_max_throughput.sh [--max-agents 64] [--duration S] [--against '<cmd>'] [--json]
Doubles the agent count from 1 until throughput stops improving by 5%; prints each step and the best.`,
};

/** @type {{ against: { type: 'string' }, json: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }} */
const common = { against: { type: 'string' }, json: { type: 'boolean' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } };
/** @param {number | null | undefined} v */
const f = (v, d = 1) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
const tmp = () => mkdtempSync(join(os.tmpdir(), 'swarmfile-tool-'));

/**
 * The result as JSON (--json) or as the table.
 * @param {unknown} json
 * @param {boolean | undefined} asJson
 * @param {string} table
 */
function out(json, asJson, table) {
  process.stdout.write(asJson ? `${JSON.stringify(json, null, 1)}\n` : `${table}\n`);
}

/** @param {string[]} argv */
async function operation(argv) {
  const { values: o, positionals } = parseArgs({ args: argv, options: common, allowPositionals: true });
  if (o.help) return console.log(HELP.operation), 0;
  const [op, countText] = positionals;
  const count = Number(countText);
  if (!['claim', 'progress', 'complete'].includes(op) || !Number.isInteger(count) || count < 1) {
    console.error(HELP.operation);
    return 2;
  }
  const target = o.against ? commandTarget(o.against) : swarmfileTarget();
  const dir = o.dir ?? tmp();
  const env = { ...process.env, COORDINATION_DIR: dir, AGENT_ID: 'bench_operation' };
  const ids = [];
  if (op !== 'claim') {
    for (let i = 0; i < count; i++) {
      const r = await runTimed(target.argv(['claim', 'benchmark', `setup ${i}`]), { env });
      if (r.code !== 0) throw new Error(`setup claim failed: ${r.stderr}`);
      ids.push(/\bwork_\w+/.exec(r.stdout)?.[0] ?? r.stdout.trim());
    }
  }
  const samples = [];
  let failures = 0;
  for (let i = 0; i < count; i++) {
    const args = op === 'claim' ? ['claim', 'benchmark', `op ${i}`] : op === 'progress' ? ['progress', ids[i], '50', 'in_progress'] : ['complete', ids[i], 'success', '3'];
    const r = await runTimed(target.argv(args), { env });
    if (r.code === 0) samples.push(r.ms);
    else failures++;
  }
  const s = summarize(samples);
  if (!o.dir) rmSync(dir, { recursive: true, force: true });
  out({ op, count, failures, summary: s, samples_ms: samples }, o.json, formatTable(['op', 'n', 'failures', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms'], [[op, s.n, failures, f(s.p50), f(s.p95), f(s.p99), f(s.mean)]]));
  return failures ? 1 : 0;
}

/** @param {import('./types.js').AgentRun & { latency: Record<string, import('./types.js').Summary> }} r */
function runRow(r) {
  return [r.agents, r.ok_cycles, f(r.wall_ms / 1000, 2), f(r.throughput_cycles_per_s, 2), f(r.throughput_cycles_per_s * 3, 1), f(r.latency?.claim?.p50), f(r.latency?.complete?.p95), f(Number(r.success_rate) * 100, 1), r.invariants.ok ? 'ok' : `FAILED (lost ${r.invariants.lost.total}, dup ${r.invariants.duplicated.count})`];
}
const RUN_HEAD = ['agents', 'cycles', 'wall s', 'cycles/s', 'ops/s', 'claim p50', 'complete p95', 'success %', 'invariants'];
/** @param {import('./types.js').AgentRun} r */
const withLatency = (r) => ({ ...r, latency: Object.fromEntries(Object.entries(r.op_samples_ms).map(([k, v]) => [k, summarize(v)])) });

/** @param {string[]} argv */
async function stress(argv) {
  const { values: o } = parseArgs({ args: argv, options: { ...common, agents: { type: 'string' }, duration: { type: 'string' }, 'ramp-up': { type: 'string', default: '0' } } });
  if (o.help) return console.log(HELP.stress), 0;
  const agents = Number(o.agents);
  const durationS = Number(o.duration);
  const rampUpS = Number(o['ramp-up']);
  if (!(agents >= 1 && durationS > 0 && rampUpS >= 0)) {
    console.error(HELP.stress);
    return 2;
  }
  const target = o.against ? commandTarget(o.against) : swarmfileTarget();
  const r = withLatency(await runCommandAgents(target, { dir: o.dir ?? tmp(), agents, durationS, rampUpS }));
  out(r, o.json, `${formatTable(RUN_HEAD, [runRow(r)])}${r.invariants.ok ? '' : `\nINVARIANT FAILED: ${JSON.stringify(r.invariants)}`}`);
  return r.invariants.ok ? 0 : 1;
}

/** @param {string[]} argv */
async function load(argv) {
  const { values: o } = parseArgs({ args: argv, options: { ...common, 'start-ops': { type: 'string' }, 'max-ops': { type: 'string' }, step: { type: 'string' }, duration: { type: 'string' } } });
  if (o.help) return console.log(HELP.load), 0;
  const start = Number(o['start-ops']);
  const max = Number(o['max-ops']);
  const step = Number(o.step);
  const durationS = Number(o.duration);
  if (!(start > 0 && max >= start && step > 0 && durationS > 0)) {
    console.error(HELP.load);
    return 2;
  }
  const target = o.against ? commandTarget(o.against) : swarmfileTarget();
  const steps = [];
  let failed = false;
  for (let rate = start; rate <= max; rate += step) {
    // Open loop: one single-cycle agent started every 3/rate seconds, whatever the others are doing.
    const n = Math.max(1, Math.round((rate * durationS) / 3));
    const r = withLatency(await runCommandAgents(target, { dir: o.dir ? `${o.dir}/rate-${rate}` : tmp(), agents: n, cycles: 1, rampUpS: durationS, agentPrefix: `load_${rate}` }));
    const achieved = (r.ok_cycles * 3) / (r.wall_ms / 1000);
    steps.push({ target_ops_per_s: rate, achieved_ops_per_s: achieved, ...r });
    if (!r.invariants.ok) failed = true;
    if (achieved < rate * 0.9 || Number(r.success_rate) < 1 || failed) break; // no operations at all (null) is a failure too
  }
  out({ steps }, o.json, formatTable(['target ops/s', 'achieved ops/s', 'cycles', 'claim p50', 'complete p95', 'success %', 'invariants'], steps.map((s) => [s.target_ops_per_s, f(s.achieved_ops_per_s), s.ok_cycles, f(s.latency.claim.p50), f(s.latency.complete.p95), f(Number(s.success_rate) * 100, 1), s.invariants.ok ? 'ok' : 'FAILED'])));
  return failed ? 1 : 0;
}

/** @param {string[]} argv */
async function max(argv) {
  const { values: o } = parseArgs({ args: argv, options: { ...common, 'max-agents': { type: 'string', default: '64' }, duration: { type: 'string', default: '8' } } });
  if (o.help) return console.log(HELP.max), 0;
  const limit = Number(o['max-agents']);
  const durationS = Number(o.duration);
  const target = o.against ? commandTarget(o.against) : swarmfileTarget();
  const runs = [];
  let best = null;
  let failed = false;
  for (let agents = 1; agents <= limit; agents *= 2) {
    const r = withLatency(await runCommandAgents(target, { dir: tmp(), agents, durationS }));
    runs.push(r);
    failed ||= !r.invariants.ok;
    if (best && r.throughput_cycles_per_s < best.throughput_cycles_per_s * 1.05) break;
    if (!best || r.throughput_cycles_per_s > best.throughput_cycles_per_s) best = r;
  }
  if (!best) throw new Error('--max-agents must be at least 1');
  out({ runs, best: { agents: best.agents, cycles_per_s: best.throughput_cycles_per_s } }, o.json, `${formatTable(RUN_HEAD, runs.map(runRow))}\nmax throughput: ${f(best.throughput_cycles_per_s, 2)} cycles/s (${f(best.throughput_cycles_per_s * 3, 1)} ops/s) at ${best.agents} agents`);
  return failed ? 1 : 0;
}

/** @type {Record<string, (argv: string[]) => Promise<number>>} */
const COMMANDS = { operation, stress, load, max };
const [cmd, ...rest] = process.argv.slice(2);
if (!Object.hasOwn(COMMANDS, cmd)) {
  console.error(`usage: node bench/tools.mjs <${Object.keys(COMMANDS).join('|')}> [--help]`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await COMMANDS[cmd](rest);
  } catch (thrown) {
    const err = /** @type {NodeJS.ErrnoException} */ (thrown);
    console.error(`${cmd}: ${err.message}`);
    process.exitCode = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? 2 : 1;
  }
}
