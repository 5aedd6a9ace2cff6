// @ts-check
/**
 * Child process of the `connections` part: ONE agent doing claim -> progress 50 -> complete cycles
 * through its own `coordination_helper session` process (started here once, driven line by line
 * over its stdin/stdout, as a bash coproc would). The same interface as bench/children/mcpAgent.mjs:
 * argument a JSON spec {dir, agentId, cycles, durationS, cli, startAt?, handshake?}; prints one JSON object
 * {wallMs, ops, cycles, failures, ledger} (the shape of libraryAgents.mjs, agent 0) on stdout.
 * The session starts before the clock does, as the library's Coordinator.open does; the first
 * cycle waits for the runner's common start (bench/lib/awaitStart.mjs: `ready`, then `go` on stdin).
 */
/** @import { CycleSample, LedgerLists, OpSample } from '../types.js' */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { storeEnvOf } from '../lib/storeLocation.mjs';
import { awaitStart } from '../lib/awaitStart.mjs';

/** @type {{ dir: string, agentId: string, cycles: number | null, durationS: number | null, cli: string, startAt?: number, handshake?: boolean }} */
const spec = JSON.parse(process.argv[2]);
const session = spawn(process.execPath, [spec.cli, '-q', 'session'], { env: { ...process.env, ...storeEnvOf(spec.dir), AGENT_ID: spec.agentId }, stdio: ['pipe', 'pipe', 'inherit'] });
/** @type {((line: string | null) => void)[]} */
const waiting = [];
createInterface({ input: session.stdout }).on('line', (line) => waiting.shift()?.(line));
session.on('close', () => waiting.splice(0).forEach((w) => w(null)));
session.stdin.on('error', () => undefined); // a session that died: its answer comes back null

/**
 * Sends one line and waits for its answer.
 * @param {string} line
 * @returns {Promise<{ ok: boolean, code?: string, id?: string }>}
 */
function ask(line) {
  return new Promise((resolve) => {
    waiting.push((answer) => resolve(answer === null ? { ok: false, code: 'SESSION_GONE' } : JSON.parse(answer)));
    session.stdin.write(`${line}\n`);
  });
}

/** @type {LedgerLists} */
const ledger = { claimed: [], progressed: [], completed: [] };
/** @type {OpSample[]} */
const ops = [];
/** @type {CycleSample[]} */
const cycles = [];
let failures = 0;

// Warm up: the first answer proves the session is up. Then wait for the common start, if given.
await ask('generate-id');
await awaitStart(spec);
const t0 = performance.now();
const deadline = spec.durationS ? t0 + spec.durationS * 1000 : Infinity;
/**
 * @param {string} op
 * @param {number} c0 when the cycle started
 * @param {string} line
 */
async function timed(op, c0, line) {
  const s = performance.now();
  const answer = await ask(line);
  ops.push({ agent: 0, op, start_ms: c0 - t0, ms: performance.now() - s, ok: answer.ok, code: answer.ok ? 0 : (answer.code ?? 'INTERNAL') });
  if (!answer.ok) failures++;
  return answer;
}
for (let c = 0; c < (spec.cycles ?? Infinity) && performance.now() < deadline; c++) {
  const c0 = performance.now();
  const claim = await timed('claim', c0, `claim benchmark "cycle ${c} of ${spec.agentId}" medium bench_team`);
  let ok = false;
  if (claim.ok && claim.id) {
    const id = claim.id;
    ledger.claimed.push(id);
    const p = await timed('progress', c0, `progress ${id} 50 in_progress`);
    if (p.ok) ledger.progressed.push(id);
    const d = await timed('complete', c0, `complete ${id} success 3`);
    if (d.ok) ledger.completed.push(id);
    ok = p.ok && d.ok;
  }
  cycles.push({ agent: 0, ms: performance.now() - c0, ok });
}
const wallMs = performance.now() - t0;
process.stdout.write(JSON.stringify({ wallMs, ops, cycles, failures, ledger }));
session.stdin.end();
const status = session.exitCode ?? session.signalCode ?? (await new Promise((resolve) => session.on('exit', (code, signal) => resolve(code ?? signal))));
if (status !== 0) {
  process.stderr.write(`sessionAgent: the session exited ${status}\n`);
  process.exitCode = 1;
}
