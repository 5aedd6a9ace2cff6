// @ts-check
/**
 * One multi-agent run as every part uses it: a fresh store, the workload, lock figures from the
 * run's own telemetry directory (null until `telemetry query` exists), and the invariant check,
 * which ctx.checkRun turns into a loud failure of the whole suite.
 */
import { runCommandAgents, runLibraryAgents } from './runAgents.mjs';
import { runChannelAgents } from './runChannelAgents.mjs';
import { summarize } from './stats.mjs';
import { lockFigures, querySpans } from './telemetrySource.mjs';

/**
 * @param {import('../types.js').BenchContext} ctx
 * @param {string} label
 * @param {{ agents: number, cycles?: number, durationS?: number, rampUpS?: number, env?: Record<string, string>, mode?: string, target?: import('../types.js').Target, dir?: string, expectLoss?: boolean }} options
 * @returns {Promise<import('../types.js').MeasuredRun>}
 */
export async function multiRun(ctx, label, { agents, cycles, durationS, rampUpS, env = {}, mode = 'cli', target, dir, expectLoss = false }) {
  const storeDir = dir ?? ctx.tmp(label);
  const telemetryDir = ctx.tmp(`${label}-telemetry`);
  const runEnv = { TELEMETRY_DIR: telemetryDir, ...env };
  /** @type {import('../types.js').AgentRun} */
  const run =
    mode === 'library'
      ? await runLibraryAgents({ dir: storeDir, agents, cycles, durationS, env: runEnv })
      : mode === 'session' || mode === 'mcp'
        ? await runChannelAgents(mode, { dir: storeDir, agents, cycles, durationS, env: runEnv })
        : await runCommandAgents(target ?? ctx.target, { dir: storeDir, agents, cycles, durationS, rampUpS, env: runEnv, onCycle: () => ctx.progress.tick() });
  if (mode !== 'cli') ctx.progress.tick(run.cycles);
  const lock = (target ?? ctx.target).kind === 'swarmfile' ? lockFigures(await querySpans({ telemetryDir, storeDir })) : null;
  run.label = label;
  run.lock = lock && { spans: lock.spans, wait_ms: summarize(lock.wait_ms), retries: summarize(lock.retries), wait_samples_ms: lock.wait_ms, retry_samples: lock.retries };
  run.latency = Object.fromEntries(Object.entries(run.op_samples_ms).map(([op, s]) => [op, summarize(s)]));
  ctx.checkRun(label, run, { expectLoss });
  return /** @type {import('../types.js').MeasuredRun} */ (run); // label, lock and latency set above
}

/**
 * A number with `d` decimals, '-' for none.
 * @param {number | null | undefined} v
 */
export const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

/**
 * A run's success rate as a percent with one decimal; a run without operations (null) shows 0.0.
 * @param {number | null} rate
 */
export const fmtPct = (rate) => fmt(Number(rate) * 100, 1);
