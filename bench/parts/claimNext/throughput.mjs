// @ts-check
/**
 * claimnext measurement 1: claim-next throughput with 1, 8, 32 agents over a pre-filled backlog.
 * Every agent loops claim-next -> progress 50 -> complete until claim-next exits 7
 * (NOTHING_CLAIMABLE), through the CLI (a process per call) and through the library (a process per
 * agent, all started before a common "go"). Backlogs are filled with real `add` calls. After each
 * run every seeded item must be completed exactly once and claimed once, nothing left queued.
 */
/** @import { BenchContext, InvariantReport, Ledger, LedgerLists, PerAgent, QueueCycle, QueueFailure, QueueOp } from '../../types.js' */
import { spawnQueueHelper } from '../../lib/childProcesses.mjs';
import { checkQueueStore } from '../../lib/queueInvariants.mjs';
import { newLedger } from '../../lib/runAgents.mjs';
import { seedWithAdd } from '../../lib/seedBacklog.mjs';
import { summarize } from '../../lib/stats.mjs';

const NOTHING_CLAIMABLE = 7;
const epochNow = () => performance.timeOrigin + performance.now();

/** @typedef {{ dir: string, agents: number, items: string[], env: Record<string, string> }} QueueRunSpec */
/** @typedef {import('../../lib/childProcesses.mjs').JsonlEvent & { ledger: LedgerLists, ops: QueueOp[], failures: QueueFailure[], cycles: QueueCycle[] }} AgentsDone what an agent process prints at the end */

/**
 * @param {{ mode: 'cli' | 'library', agents: number, items: string[], claims: string[], ledger: Ledger, ops: QueueOp[], cycles: QueueCycle[], failures: QueueFailure[], wallMs: number, invariants: InvariantReport }} run
 */
function summarizeQueueRun({ mode, agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants }) {
  const okCycles = cycles.filter((c) => c.ok);
  /** @type {Map<number | string, number>} */
  const perAgent = new Map();
  for (const c of okCycles) perAgent.set(c.agent, (perAgent.get(c.agent) ?? 0) + 1);
  const counts = [...perAgent.values()];
  return {
    mode,
    agents,
    items: items.length,
    ok_cycles: okCycles.length,
    wall_ms: wallMs,
    throughput_cycles_per_s: okCycles.length / (wallMs / 1000),
    cycle_samples_ms: okCycles.map((c) => c.end - c.start),
    op_summary_ms: Object.fromEntries(['claim_next', 'progress', 'complete'].map((op) => [op, summarize(ops.filter((o) => o.op === op && o.ok).map((o) => o.ms))])),
    ops: ops.length,
    failures,
    cycles_per_agent: { min: counts.length ? Math.min(...counts) : 0, max: counts.length ? Math.max(...counts) : 0, agents_with_work: counts.length },
    claims: claims.length,
    ledger_sizes: { claimed: ledger.claimed.size, progressed: ledger.progressed.size, completed: ledger.completed.size },
    invariants,
    /** Set by throughput() once the run is done. */
    label: '',
  };
}

/**
 * Agents as CLI processes: claim-next -> progress -> complete until exit 7.
 * @param {BenchContext} ctx
 * @param {QueueRunSpec} spec
 */
async function cliQueueRun(ctx, { dir, agents, items, env }) {
  const ledger = newLedger();
  /** @type {string[]} */
  const claims = [];
  /** @type {QueueOp[]} */
  const ops = [];
  /** @type {QueueCycle[]} */
  const cycles = [];
  /** @type {QueueFailure[]} */
  const failures = [];
  const t0 = performance.now();
  /** @param {number} a */
  const agent = async (a) => {
    const agentEnv = { ...env, COORDINATION_DIR: dir, AGENT_ID: `cn_cli_${agents}_${a}` };
    let strikes = 0;
    for (;;) {
      const c0 = performance.now();
      const c = await ctx.cli(['claim-next'], agentEnv);
      ops.push({ op: 'claim_next', ms: c.ms, ok: c.code === 0, code: c.code });
      if (c.code === NOTHING_CLAIMABLE) break;
      if (c.code !== 0) {
        failures.push({ agent: a, op: 'claim_next', code: c.code, message: c.stderr.trim().slice(0, 300) });
        if (++strikes > 20) break;
        continue;
      }
      const id = c.stdout.trim();
      claims.push(id);
      ledger.claimed.add(id);
      const p = await ctx.cli(['progress', id, '50', 'in_progress'], agentEnv);
      ops.push({ op: 'progress', ms: p.ms, ok: p.code === 0, code: p.code });
      if (p.code === 0) ledger.progressed.add(id);
      else failures.push({ agent: a, op: 'progress', id, code: p.code, message: p.stderr.trim().slice(0, 300) });
      const d = await ctx.cli(['complete', id, 'success', '3'], agentEnv);
      ops.push({ op: 'complete', ms: d.ms, ok: d.code === 0, code: d.code });
      if (d.code === 0) ledger.completed.add(id);
      else failures.push({ agent: a, op: 'complete', id, code: d.code, message: d.stderr.trim().slice(0, 300) });
      cycles.push({ agent: a, start: c0 - t0, end: performance.now() - t0, ok: p.code === 0 && d.code === 0 });
      ctx.progress.tick();
    }
  };
  await Promise.all(Array.from({ length: agents }, (_, a) => agent(a)));
  // Throughput counts up to the last completed cycle: each agent's final exit-7 call is not work.
  const wallMs = Math.max(1, ...cycles.filter((c) => c.ok).map((c) => c.end));
  const invariants = await checkQueueStore(dir, { items, claims, ledger });
  return summarizeQueueRun({ mode: 'cli', agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants });
}

/**
 * Agents through the library, one process per agent, released together.
 * @param {BenchContext} ctx
 * @param {QueueRunSpec} spec
 */
async function libQueueRun(ctx, { dir, agents, items, env }) {
  const procs = Array.from({ length: agents }, (_, a) => spawnQueueHelper(`claimnext agent ${a}`, { mode: 'agents', dir, agentIds: [`cn_lib_${agents}_${a}`] }, { ...process.env, ...env }));
  await Promise.all(procs.map((p) => p.waitFor((e) => e.event === 'ready', 120_000)));
  const go = epochNow();
  for (const p of procs) p.send('go');
  const results = /** @type {AgentsDone[]} */ (await Promise.all(procs.map((p) => p.waitFor((e) => e.event === 'done', 600_000))));
  await Promise.all(procs.map((p) => p.exit()));
  const ledger = newLedger();
  /** @type {string[]} */
  const claims = [];
  /** @type {QueueOp[]} */
  const ops = [];
  /** @type {QueueCycle[]} */
  const cycles = [];
  /** @type {QueueFailure[]} */
  const failures = [];
  for (const r of results) {
    for (const id of r.ledger.claimed) claims.push(id), ledger.claimed.add(id);
    for (const id of r.ledger.progressed) ledger.progressed.add(id);
    for (const id of r.ledger.completed) ledger.completed.add(id);
    ops.push(...r.ops);
    failures.push(...r.failures);
    for (const c of r.cycles) cycles.push({ agent: c.agent, start: c.start - go, end: c.end - go, ok: c.ok });
  }
  ctx.progress.tick(cycles.length);
  const wallMs = Math.max(1, ...cycles.filter((c) => c.ok).map((c) => c.end));
  const invariants = await checkQueueStore(dir, { items, claims, ledger });
  return summarizeQueueRun({ mode: 'library', agents, items, claims, ledger, ops, cycles, failures, wallMs, invariants });
}

/**
 * @param {BenchContext} ctx
 * @param {Record<string, string>} env
 */
export async function throughput(ctx, env) {
  const { claimNextAgents, claimNextCliCycles, claimNextLibCycles } = ctx.sizes;
  const plan = [];
  /** @type {[string, PerAgent, typeof cliQueueRun][]} */
  const modes = [['cli', claimNextCliCycles, cliQueueRun], ['library', claimNextLibCycles, libQueueRun]];
  for (const [mode, perAgent, run] of modes) {
    for (const agents of claimNextAgents) {
      const label = `claimnext-${mode}-${agents}`;
      plan.push({ mode, agents, run, label, dir: ctx.tmp(label), n: agents * perAgent(agents) }); // backlog: agents x cycles per agent
    }
  }
  ctx.progress.start('claimnext throughput: seeding with add', 1);
  const seeded = await seedWithAdd(plan.map(({ dir, n }) => ({ dir, n })), env);
  ctx.progress.tick();
  const runs = [];
  for (const { mode, agents, run, label, dir, n } of plan) {
    ctx.progress.start(`claimnext throughput ${mode} ${agents} agent${agents === 1 ? '' : 's'}`, n);
    const r = await run(ctx, { dir, agents, items: seeded[dir], env });
    r.label = label;
    ctx.checkRun(label, r);
    runs.push(r);
  }
  return runs;
}
