/**
 * `coordination_helper mcp`: a Model Context Protocol server on stdin/stdout for one agent, serving
 * the tools of mcpTools.ts through one Coordinator opened on first use (as the CLI opens it), so
 * Node's start-up is paid once per agent session instead of once per operation.
 *
 * Identity: AGENT_ID, else an id generated once and named in the server's instructions and on
 * stderr. Claims are tied to this process (its own pid, whatever AGENT_PID says: the client may
 * outlive it), renewed while it runs (claimKeeper.ts), and released back to the backlog when it
 * stops cleanly; if it is killed, they are reaped like any dead agent's. It stops at end of input,
 * when the transport closes or stdout goes away, and on SIGTERM/SIGINT (a second one ends it at
 * once): calls in progress get SHUTDOWN_GRACE_MS to finish, then the coordinator is closed and
 * the command exits 0. Stdout carries protocol messages only (warnings and notes go to stderr).
 *
 * The tools are served with the SDK's request handlers rather than McpServer.registerTool, whose
 * own argument check would answer in the SDK's words: here a wrong argument is the CLI's
 * INVALID_INPUT naming the field (toolArguments.ts), and every failure carries the CLI's code.
 */
import type { GlobalFlags, RunIO } from '../cli/cliSession.js';
import { createCliSession } from '../cli/cliSession.js';
import { isSwarmError, SwarmError } from '../errors.js';
import { redactUrl } from '../store/postgres/storeUrl.js';
import { reportWarning } from '../warnings.js';
import { keepClaims } from './claimKeeper.js';
import { fixedAgent } from '../cli/fixedAgent.js';
import { MCP_TOOLS, type ToolEnv } from './mcpTools.js';
import { CallToolRequestSchema, ListToolsRequestSchema, McpServer, StdioServerTransport } from './sdk.js';
import { jsonSchemaOf, parseArguments } from './toolArguments.js';
import { errorResult, successResult, type ToolResult } from './toolResult.js';

/** How long calls in progress at shutdown may take to finish (a claim_next still waiting is abandoned); `mcp --help` and the README say 5 s. */
export const SHUTDOWN_GRACE_MS = 5000;
/** Claims are renewed this many times per lease. */
const RENEWALS_PER_LEASE = 3;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Resolves once every promise settled or `ms` passed. */
async function settled(promises: Iterable<Promise<unknown>>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...promises]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** Runs the server until it stops; resolves once the coordinator is closed. */
export async function runMcpServer(io: RunIO, flags: GlobalFlags, version: string): Promise<void> {
  // Anything that logs through console must not corrupt the protocol on stdout.
  console.log = console.info = console.debug = console.error;
  const fixed = fixedAgent(io, 'mcp server');
  const agentId = fixed.agentId;
  const session = createCliSession({ ...io, env: { ...fixed.env, AGENT_PID: String(process.pid) }, longLived: true });
  const ctx = session.context({ ...flags, json: false });
  const config = ctx.config;
  const store = config.storeUrl ? redactUrl(config.storeUrl) : config.dir;
  const intervalMs = (config.leaseTtlSeconds * 1000) / RENEWALS_PER_LEASE;
  const keeper = keepClaims(intervalMs, async (id) => (await ctx.coordinator('read')).heartbeat(id));
  const env: ToolEnv = { coordinator: (mode) => ctx.coordinator(mode), holds: keeper.add, ended: keeper.remove };

  const instructions =
    `swarmfile work queue at ${store}. You are agent ${agentId}. Your claims belong to this server process: it renews their leases while it runs and releases them when it stops. ` +
    'Loop: claim_next -> progress -> complete (or fail / release). A failed call says why with a stable code, e.g. "NOT_OWNER (exit 8): ...".';
  const mcp = new McpServer({ name: 'coordination_helper', version }, { capabilities: { tools: {} }, instructions });
  const tools = new Map(MCP_TOOLS.map((t) => [t.name, t]));
  const listed = MCP_TOOLS.map((t) => ({ name: t.name, description: t.description, inputSchema: jsonSchemaOf(t.input) }));
  const inFlight = new Set<Promise<ToolResult>>();
  let closing = false;

  async function call(name: string, args: unknown): Promise<ToolResult> {
    try {
      const t = tools.get(name);
      if (!t) throw new SwarmError('USAGE', `no tool ${JSON.stringify(name)}; the tools are ${MCP_TOOLS.map((x) => x.name).join(', ')}`);
      if (closing) throw new SwarmError('USAGE', 'the server is stopping');
      return successResult(await t.run(env, parseArguments(t.input, args)));
    } catch (err) {
      if (!isSwarmError(err)) io.stderr(`coordination_helper mcp: ${name} failed: ${err instanceof Error && err.stack ? err.stack : describeError(err)}\n`);
      return errorResult(err);
    }
  }

  mcp.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listed }));
  mcp.server.setRequestHandler(CallToolRequestSchema, (request) => {
    const p = call(request.params.name, request.params.arguments);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  });

  let stopped: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      // A second signal: end now, as the signal's default would (the store is crash-safe).
      SIGNALS.forEach((s) => process.off(s, onSignal));
      process.kill(process.pid, sig);
    }
    signalled = true;
    void stop(sig);
  };
  const onEnd = () => void stop('end of input');
  const onStdoutError = () => void stop('stdout closed');

  async function stop(why: string): Promise<void> {
    if (closing) return;
    closing = true;
    ctx.say(`coordination_helper mcp: ${why}; stopping`);
    await keeper.stop();
    await settled(inFlight, SHUTDOWN_GRACE_MS);
    // Nobody will work on them through this server any more: back to the backlog now rather than
    // when a reaper finds this process gone.
    for (const id of keeper.held()) {
      try {
        await (await ctx.coordinator('read')).release(id, { reason: 'its MCP server stopped' });
        ctx.say(`coordination_helper mcp: released ${id} back to the backlog`);
      } catch (err) {
        reportWarning('mcp', `releasing ${id} at shutdown failed (it is reaped once this process is gone): ${describeError(err)}`);
      }
    }
    await mcp.close().catch(() => undefined);
    stopped();
  }

  SIGNALS.forEach((s) => process.on(s, onSignal));
  process.stdin.on('end', onEnd);
  process.stdin.on('close', onEnd);
  process.stdout.on('error', onStdoutError);
  mcp.server.onclose = () => void stop('the client closed the connection');
  try {
    await mcp.connect(new StdioServerTransport());
    ctx.say(`coordination_helper mcp: serving ${store} as ${agentId} (pid ${process.pid}); claims renewed every ${Math.round(intervalMs) / 1000} s`);
    await done;
  } finally {
    SIGNALS.forEach((s) => process.off(s, onSignal));
    process.stdin.off('end', onEnd);
    process.stdin.off('close', onEnd);
    await session.close();
  }
}
