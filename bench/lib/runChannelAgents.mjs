// @ts-check
/**
 * The multi-agent workload through a long-lived connection per agent: `agents` child processes
 * `node bench/children/<via>Agent.mjs '<spec>'`, all started at once, each one agent doing
 * claim -> progress 50 -> complete cycles through its channel (session: its own
 * `coordination_helper session`; mcp: an MCP client of its own `coordination_helper mcp`). Each
 * prints one JSON object (libraryAgents.mjs's shape, agent 0); they are merged (agent = child
 * index) and checked against the store like the library's runs (checkChildRun).
 *
 * Wall time excludes each agent's one start-up, as the library's excludes Coordinator.open. Each
 * child says `ready` on stdout once connected and waits for `go` on its stdin (awaitStart.mjs);
 * the runner sends `go` to all once all are ready, so the cycles of all agents run together
 * however long 32 servers took to start on 2 cores. Wall time runs from the first agent's first
 * cycle to the last agent's last one, each child's window placed by when its result reached this
 * process minus its own wallMs; `start_spread_ms` says how far apart the first cycles were.
 */
/** @import { AgentRun, CycleSample, LibraryAgentsOutput, OpSample } from '../types.js' */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkChildRun } from './runAgents.mjs';
import { CLI, ROOT } from './targets.mjs';

/** A child still running after this long is killed (and the run fails). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

/** The channels, in the order the connections part shows them. */
export const CHANNELS = /** @type {const} */ (['session', 'mcp']);
/** @typedef {typeof CHANNELS[number]} Channel */

/** @param {Channel} via */
export const channelChild = (via) => join(ROOT, 'bench/children', `${via}Agent.mjs`);

/** @param {Channel} via whether its child script exists (mcp comes with `coordination_helper mcp`) */
export const channelBuilt = (via) => existsSync(channelChild(via));

/** @typedef {Omit<LibraryAgentsOutput, 'maxRssBytes'>} AgentOutput */

/**
 * One agent's child: `ready` once it is connected (it then waits for `go()`), and `done`, its
 * parsed output and when that output was complete (performance.now()).
 * @param {Channel} via
 * @param {object} spec
 * @param {NodeJS.ProcessEnv} env
 * @returns {{ ready: Promise<void>, go: () => void, done: Promise<{ out: AgentOutput, endAt: number }> }}
 */
function runChild(via, spec, env) {
  const child = spawn(process.execPath, [channelChild(via), JSON.stringify({ ...spec, handshake: true })], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  /** @type {() => void} */
  let isReady = () => undefined;
  const ready = new Promise((/** @type {(v: void) => void} */ r) => (isReady = r));
  const done = new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let endAt = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
      endAt = performance.now();
      if (stdout.startsWith('ready\n')) {
        stdout = stdout.slice('ready\n'.length);
        isReady();
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    // A channel that hangs fails the run rather than the whole suite's time.
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      isReady(); // a child that died before it was ready does not hold the others back
      if (code !== 0) return reject(new Error(`${via} agent exited ${code ?? signal}: ${stderr.trim().slice(-2000)}`));
      try {
        resolve({ out: JSON.parse(stdout), endAt });
      } catch (err) {
        reject(new Error(`${via} agent printed no JSON result (${/** @type {Error} */ (err).message}): ${stdout.slice(0, 200)} ${stderr.trim().slice(-1000)}`));
      }
    });
  });
  done.catch(() => undefined); // awaited after every child is ready; a failure is not unhandled meanwhile
  return { ready, go: () => child.stdin.end('go\n'), done: /** @type {Promise<{ out: AgentOutput, endAt: number }>} */ (done) };
}

/**
 * @param {Channel} via
 * @param {{ dir: string, agents: number, cycles?: number, durationS?: number, env?: Record<string, string> }} options
 * @returns {Promise<AgentRun>}
 */
export async function runChannelAgents(via, { dir, agents, cycles = Infinity, durationS, env = {} }) {
  const base = { dir, cycles: Number.isFinite(cycles) ? cycles : null, durationS: durationS ?? null, cli: CLI };
  const childEnv = { ...process.env, ...env };
  const children = Array.from({ length: agents }, (_, a) => runChild(via, { ...base, agentId: `${via}_agent_${a}` }, childEnv));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const results = await Promise.all(children.map((c) => c.done));
  /** @type {OpSample[]} */
  const ops = [];
  /** @type {CycleSample[]} */
  const cycleSamples = [];
  const ledger = { claimed: /** @type {string[]} */ ([]), progressed: /** @type {string[]} */ ([]), completed: /** @type {string[]} */ ([]) };
  let failures = 0;
  results.forEach(({ out }, a) => {
    ops.push(...out.ops.map((o) => ({ ...o, agent: a })));
    cycleSamples.push(...out.cycles.map((c) => ({ ...c, agent: a })));
    for (const k of /** @type {const} */ (['claimed', 'progressed', 'completed'])) ledger[k].push(...out.ledger[k]);
    failures += out.failures;
  });
  const starts = results.map((r) => r.endAt - r.out.wallMs);
  const wallMs = Math.max(...results.map((r) => r.endAt)) - Math.min(...starts);
  const run = await checkChildRun(via, agents, dir, { wallMs, ops, cycles: cycleSamples, failures, ledger });
  run.start_spread_ms = Math.max(...starts) - Math.min(...starts);
  return run;
}
