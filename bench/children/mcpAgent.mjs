// @ts-check
/**
 * Child process of the `connections` part: ONE agent doing claim -> progress 50 -> complete cycles
 * through its own `coordination_helper mcp` server, driven by the MCP SDK's Client over
 * StdioClientTransport, as an AI agent's MCP client drives it. The same interface as
 * bench/children/sessionAgent.mjs: argument a JSON spec {dir, agentId, cycles, durationS, cli,
 * startAt?, handshake?}; prints one JSON object {wallMs, ops, cycles, failures, ledger} (the shape of
 * libraryAgents.mjs, agent 0) on stdout. The server starts (and lists its tools) before the clock
 * does; the first cycle waits for the runner's common start (bench/lib/awaitStart.mjs).
 */
/** @import { CycleSample, LedgerLists, OpSample } from '../types.js' */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { storeEnvOf } from '../lib/storeLocation.mjs';
import { awaitStart } from '../lib/awaitStart.mjs';

/** @type {{ dir: string, agentId: string, cycles: number | null, durationS: number | null, cli: string, startAt?: number, handshake?: boolean }} */
const spec = JSON.parse(process.argv[2] ?? '{}');
/** @type {Record<string, string>} */
const env = {};
for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
const transport = new StdioClientTransport({ command: process.execPath, args: [spec.cli, '-q', 'mcp'], env: { ...env, ...storeEnvOf(spec.dir), AGENT_ID: spec.agentId }, stderr: 'inherit' });
const client = new Client({ name: 'swarmfile-bench', version: '1' });
await client.connect(transport);
await client.listTools(); // what a client does first; also proves the server answers

/**
 * Calls one tool; a failed call (or a server gone) comes back as its error code.
 * @param {string} name
 * @param {Record<string, unknown>} args
 * @returns {Promise<{ ok: boolean, code?: string, id?: string }>}
 */
async function call(name, args) {
  try {
    const r = await client.callTool({ name, arguments: args });
    const data = /** @type {Record<string, unknown> | undefined} */ (r.structuredContent);
    if (r.isError) return { ok: false, code: String(data?.error ?? 'INTERNAL') };
    return { ok: true, id: typeof data?.work_item_id === 'string' ? data.work_item_id : undefined };
  } catch {
    return { ok: false, code: 'MCP_GONE' };
  }
}

/** @type {LedgerLists} */
const ledger = { claimed: [], progressed: [], completed: [] };
/** @type {OpSample[]} */
const ops = [];
/** @type {CycleSample[]} */
const cycles = [];
let failures = 0;

await awaitStart(spec);
const t0 = performance.now();
const deadline = spec.durationS ? t0 + spec.durationS * 1000 : Infinity;
/**
 * @param {string} op
 * @param {number} c0 when the cycle started
 * @param {Record<string, unknown>} args
 */
async function timed(op, c0, args) {
  const s = performance.now();
  const answer = await call(op, args);
  ops.push({ agent: 0, op, start_ms: c0 - t0, ms: performance.now() - s, ok: answer.ok, code: answer.ok ? 0 : (answer.code ?? 'INTERNAL') });
  if (!answer.ok) failures++;
  return answer;
}
for (let c = 0; c < (spec.cycles ?? Infinity) && performance.now() < deadline; c++) {
  const c0 = performance.now();
  const claim = await timed('claim', c0, { work_type: 'benchmark', description: `cycle ${c} of ${spec.agentId}`, priority: 'medium', team: 'bench_team' });
  let ok = false;
  if (claim.ok && claim.id) {
    const id = claim.id;
    ledger.claimed.push(id);
    const p = await timed('progress', c0, { work_id: id, percent: 50, status: 'in_progress' });
    if (p.ok) ledger.progressed.push(id);
    const d = await timed('complete', c0, { work_id: id, result: 'success', velocity_points: 3 });
    if (d.ok) ledger.completed.push(id);
    ok = p.ok && d.ok;
  }
  cycles.push({ agent: 0, ms: performance.now() - c0, ok });
}
const wallMs = performance.now() - t0;
process.stdout.write(JSON.stringify({ wallMs, ops, cycles, failures, ledger }));
await client.close();
