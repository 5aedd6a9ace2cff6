/**
 * The commander program: every command, help, and usage errors. Loaded by runCli only for command
 * lines the start-up fast path (parseHotCommand.ts) does not take, so plain claim/progress/complete
 * calls never pay for loading commander.
 */
import { Command, CommanderError } from 'commander';
import { ERROR_CODES } from '../errors.js';
import { registerAdminCommands } from './adminCommands.js';
import { registerAgentCommands } from './agentCommands.js';
import type { CliSession, GlobalFlags, RunIO } from './cliSession.js';
import { registerTelemetryCommands } from './telemetryCommands.js';
import { registerQueueCommands } from './queueCommands.js';
import { maskTextArguments, unmaskCommand, withoutMarks } from './textArguments.js';
import { registerWorkCommands } from './workCommands.js';

const VERSION = '0.1.0';

function exitStatusHelp(): string {
  const rows = Object.entries(ERROR_CODES)
    .filter(([code]) => code !== 'INVALID_INPUT')
    .map(([code, [status, meaning]]) => `  ${String(status).padStart(3)}  ${code.padEnd(18)} ${meaning}`);
  return ['', 'Exit status:', '    0  OK', ...rows.map((r) => r.replace(' USAGE             ', ' USAGE/INVALID_INPUT')), ''].join('\n');
}

const ENV_HELP = `
Environment:
  COORDINATION_DIR      store directory (default ./agent_coordination)
  AGENT_ID              the calling agent (default agent_<nanoseconds>, new per call)
  AGENT_PID             the agent's process for liveness checks (default: the caller of this command)
  CURRENT_WORK_ITEM     default work id for progress/complete/release/fail
  LEASE_TTL_SECONDS     lease of a claim (default 300); heartbeat and progress renew it
  MAX_RETRY_ATTEMPTS    failed attempts before an item is dead (default 3)
  RETRY_BACKOFF_SECONDS first retry delay after fail, doubled per attempt with jitter (default 5;
                        RETRY_BACKOFF_MAX_SECONDS caps it, default 900)
  AGENT_STALE_SECONDS   an agent with no heartbeat this long is stale (default: LEASE_TTL_SECONDS)
  REAP_INTERVAL_MS      claim-next/ready look for reclaimable claims at most this often (default 1000)
  WORK_QUEUE_SHARDING   shard count for a new store (default 16; an existing store keeps its own)
  FLOCK_TIMEOUT         seconds to wait for a lock (default 30)
  FLOCK_RETRIES         lock attempts after the first (default 10000)
  FLOCK_BACKOFF_MS      first backoff step in ms, doubled with jitter (default 2, capped by FLOCK_BACKOFF_MAX_MS=100)
  LOCK_STALE_MS         a live lock holder silent this long is hung (default 30000, min 2000);
                        dead holders' locks are taken over at once
  LOCK_HUNG_ACTION      kill (default: SIGKILL a hung holder, then take its lock) or wait
  SWARMFILE_FSYNC       0 to skip fsync (faster, not crash-safe against power loss; default 1);
                        SWARMFILE_FSYNC_DIR=0 skips only the directory fsync (to measure its cost)
  TELEMETRY_DIR         telemetry journal directory (default ./telemetry); OTEL_SDK_DISABLED=true turns
                        telemetry off; OTEL_*, TELEMETRY_SAMPLE_RATE, WAL_SYNC_INTERVAL, JOURNAL_*: docs/telemetry.md
`;

/**
 * Parses and runs one command line with commander. Returns the exit status of a parse outcome
 * (help and version: 0; any other commander error: USAGE); a command's own failure is thrown.
 */
export async function runProgram(argv: readonly string[], io: RunIO, session: CliSession): Promise<number> {
  const program = new Command('coordination_helper');
  const ctx = () => session.context(program.opts<GlobalFlags>());
  const output = {
    writeOut: io.stdout,
    writeErr: (text: string) => io.stderr(withoutMarks(text)),
    // Every error in the documented form, usage errors included: `coordination_helper: error [USAGE]: ...`.
    outputError: (text: string, write: (s: string) => void) => write(text.replace(/^error: /, 'coordination_helper: error [USAGE]: ')),
  };
  program
    .version(VERSION)
    .description('Exactly-once coordination for concurrent agents on one host (SwarmSH-compatible commands).')
    .option('--dir <path>', 'store directory (overrides COORDINATION_DIR)')
    .option('--json', 'print full records as JSON on stdout')
    .option('-q, --quiet', 'no human messages on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput(output)
    .hook('preAction', (_program, actionCommand) => unmaskCommand(actionCommand))
    .addHelpText('after', ENV_HELP + exitStatusHelp());
  registerWorkCommands(program, ctx);
  registerQueueCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerTelemetryCommands(program, ctx);
  const configure = (cmds: readonly Command[]): void => {
    for (const cmd of cmds) {
      cmd.exitOverride().configureOutput(output);
      configure(cmd.commands);
    }
  };
  configure(program.commands);

  try {
    // Free text starting with '-' ("- [ ] docs") is an operand, not an option: textArguments.ts.
    await program.parseAsync(maskTextArguments(argv), { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : ERROR_CODES.USAGE[0];
    throw err;
  }
}
