/**
 * `coordination_helper mcp`: registers the MCP server command. The server and the MCP SDK
 * (src/mcp/) are loaded only when the command runs, so no other command pays for them.
 */
import type { Command } from 'commander';
import type { GlobalFlags, RunIO } from './cliSession.js';

export const MCP_HELP = `
A Model Context Protocol server on stdin/stdout for ONE agent: an MCP client (Claude Code, Claude
Desktop, Cursor, VS Code ...) starts it and calls its tools, paying Node's start-up once.
Tools: claim_next, claim, add, progress, complete, fail, release, heartbeat, show, list, ready,
dashboard, reserve, unreserve, reservations, check_paths, with the CLI's field names (work_id,
work_type, description, priority, team, percent, status, result, velocity_points, reason,
wait_seconds, paths, shared ...). A result is a line naming the item plus the record as --json
prints it (structuredContent); a failure is isError with "CODE (exit N): message", the CLI's
codes (NOT_OWNER, INVALID_INPUT ...), and structuredContent {error, exit, message, details}.

Identity: AGENT_ID, else an id generated once (named on stderr and in the server's instructions).
Claims are tied to this server's own process (AGENT_PID is ignored), their leases renewed every
LEASE_TTL_SECONDS/3 while it runs, and released back to the backlog when it stops cleanly; if
it is killed, 'reap' (or the next claim-next) returns them. The store: --dir/--store before
'mcp', else COORDINATION_DIR / COORDINATION_URL. Paths given to the tools are relative to the
server's working directory (the project directory the client starts it in), as for the CLI.

It stops, closing the store and exiting 0, at end of input, when the client disconnects, or on
SIGTERM/SIGINT (calls in progress get 5 s to finish). Stdout carries protocol only.

Client configuration (see README, "MCP server"):
  claude mcp add swarmfile --env AGENT_ID=agent_7 --env COORDINATION_DIR=$PWD/agent_coordination -- npx coordination_helper mcp
  {"mcpServers": {"swarmfile": {"command": "npx", "args": ["coordination_helper", "mcp"],
                                "env": {"AGENT_ID": "agent_7", "COORDINATION_DIR": "/abs/agent_coordination"}}}}
`;

export function registerMcpCommand(program: Command, io: RunIO): void {
  program
    .command('mcp')
    .description('long-lived: a Model Context Protocol server on stdio for one agent (tools mirror the commands)')
    .addHelpText('after', MCP_HELP)
    .action(async () => {
      const { runMcpServer } = await import('../mcp/runMcpServer.js');
      await runMcpServer(io, program.opts<GlobalFlags>(), program.version() ?? '0.0.0');
    });
}
