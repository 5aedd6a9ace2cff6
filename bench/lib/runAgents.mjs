// @ts-check
/**
 * The multi-agent workload: `agents` concurrent agents, each a sequential loop of
 * claim -> progress 50 -> complete cycles, as a SwarmSH agent's shell loop would run them. Through
 * a command target every operation is its own process (what agents pay today); through the
 * library all agents share one child process (bench/children/libraryAgents.mjs).
 * Stops after `cycles` per agent or, when `durationS` is set, at the deadline, whichever first.
 * Every run ends with the target's invariant check.
 */
/** @import { AgentRun, AgentRunOptions, CycleSample, InvariantReport, LibraryAgentsOutput, OpSample, Target } from '../types.js' */
import { join } from 'node:path';
import { runOrThrow } from './runTimed.mjs';
import { runTimed } from './runTimed.mjs';
import { LIBRARY, parseWorkId, ROOT } from './targets.mjs';
import { storeEnvOf } from './storeLocation.mjs';

const OPS = ['claim', 'progress', 'complete'];

/** @returns {import('../types.js').Ledger} */
export function newLedger() {
  return { claimed: new Set(), progressed: new Set(), completed: new Set() };
}

/**
 * Runs the workload through a command target (swarmfile's CLI or --against).
 * @param {Target} target
 * @param {AgentRunOptions} options
 * @returns {Promise<AgentRun>}
 */
export async function runCommandAgents(target, { dir, agents, cycles = Infinity, durationS, rampUpS = 0, env = {}, onCycle, agentPrefix = 'bench_agent' }) {
  const ledger = newLedger();
  /** @type {OpSample[]} */
  const ops = [];
  /** @type {CycleSample[]} */
  const cycleSamples = [];
  const t0 = performance.now();
  const deadline = durationS ? t0 + durationS * 1000 : Infinity;
  let failures = 0;
  /** @param {number} a */
  const agent = async (a) => {
    if (rampUpS > 0) await new Promise((r) => setTimeout(r, (rampUpS * 1000 * a) / agents));
    const agentEnv = { ...process.env, ...env, ...storeEnvOf(dir), AGENT_ID: `${agentPrefix}_${a}` };
    for (let c = 0; c < cycles && performance.now() < deadline; c++) {
      const c0 = performance.now();
      /**
       * @param {string} op
       * @param {string[]} args
       */
      const step = async (op, args) => {
        const r = await runTimed(target.argv([op, ...args]), { env: agentEnv });
        ops.push({ agent: a, op, start_ms: c0 - t0, ms: r.ms, ok: r.code === 0, code: r.code });
        if (r.code !== 0) failures++;
        return r;
      };
      const claim = await step('claim', ['benchmark', `cycle ${c} of agent ${a}`, 'medium', 'bench_team']);
      const id = claim.code === 0 ? parseWorkId(claim.stdout) : null;
      let ok = false;
      if (id) {
        ledger.claimed.add(id);
        const p = await step('progress', [id, '50', 'in_progress']);
        if (p.code === 0) ledger.progressed.add(id);
        const done = await step('complete', [id, 'success', '3']);
        if (done.code === 0) ledger.completed.add(id);
        ok = p.code === 0 && done.code === 0;
      }
      cycleSamples.push({ agent: a, ms: performance.now() - c0, ok });
      onCycle?.();
    }
  };
  await Promise.all(Array.from({ length: agents }, (_, a) => agent(a)));
  const wallMs = performance.now() - t0;
  const invariants = await target.check(dir, ledger);
  return summarizeRun({ target: target.name, mode: 'cli', agents, wallMs, ops, cycleSamples, failures, invariants });
}

/**
 * Runs the same workload through the library API: `agents` concurrent loops in one child process.
 * @param {AgentRunOptions} options
 * @returns {Promise<AgentRun>}
 */
export async function runLibraryAgents({ dir, agents, cycles = Infinity, durationS, env = {} }) {
  const spec = JSON.stringify({ dir, agents, cycles: Number.isFinite(cycles) ? cycles : null, durationS: durationS ?? null, library: LIBRARY });
  const out = await runOrThrow([process.execPath, join(ROOT, 'bench/children/libraryAgents.mjs'), spec], { env: { ...process.env, ...env } });
  // With the change log off (its cost measured), there is nothing to audit.
  return checkChildRun('library', agents, dir, /** @type {LibraryAgentsOutput} */ (JSON.parse(out)), { audit: env.SWARMFILE_CHANGE_LOG !== '0' });
}

/**
 * A run whose agents reported from child processes (bench/children/*Agents.mjs, *Agent.mjs): its
 * ledger checked against the store, then summarized.
 * @param {AgentRun['mode']} mode
 * @param {number} agents
 * @param {string} dir
 * @param {Omit<LibraryAgentsOutput, 'maxRssBytes'>} r
 * @param {{ audit?: boolean }} [options] audit: also run the tool's change-log audit (default true)
 * @returns {Promise<AgentRun>}
 */
export async function checkChildRun(mode, agents, dir, r, { audit = true } = {}) {
  const ledger = { claimed: new Set(r.ledger.claimed), progressed: new Set(r.ledger.progressed), completed: new Set(r.ledger.completed) };
  const { checkSwarmfileStore } = await import('./invariants.mjs');
  const invariants = await checkSwarmfileStore(dir, ledger, { audit });
  return summarizeRun({ target: 'swarmfile', mode, agents, wallMs: r.wallMs, ops: r.ops, cycleSamples: r.cycles, failures: r.failures, invariants });
}

/**
 * @param {{ target: string, mode: AgentRun['mode'], agents: number, wallMs: number, ops: OpSample[], cycleSamples: CycleSample[], failures: number, invariants: InvariantReport }} run
 * @returns {AgentRun}
 */
function summarizeRun({ target, mode, agents, wallMs, ops, cycleSamples, failures, invariants }) {
  const okCycles = cycleSamples.filter((c) => c.ok).length;
  /** @type {Record<string, number[]>} */
  const byOp = {};
  for (const op of OPS) byOp[op] = ops.filter((o) => o.op === op && o.ok).map((o) => o.ms);
  return {
    target,
    mode,
    agents,
    wall_ms: wallMs,
    cycles: cycleSamples.length,
    ok_cycles: okCycles,
    throughput_cycles_per_s: okCycles / (wallMs / 1000),
    success_rate: ops.length ? (ops.length - failures) / ops.length : null,
    failures,
    failure_codes: countBy(ops.filter((o) => !o.ok).map((o) => o.code)),
    op_samples_ms: byOp,
    cycle_samples_ms: cycleSamples.map((c) => c.ms),
    invariants,
  };
}

/** @param {(string | number)[]} xs */
function countBy(xs) {
  /** @type {Record<string, number>} */
  const out = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
