/**
 * The commander program: every command, help, and usage errors. Loaded by runCli only for command
 * lines the start-up fast path (parseHotCommand.ts) does not take, so plain claim/progress/complete
 * calls never pay for loading commander.
 */
import { Command, CommanderError } from 'commander';
import { ERROR_CODES } from '../errors.js';
import { registerAdminCommands } from './adminCommands.js';
import { registerEventCommands } from './eventCommands.js';
import { registerAgentCommands } from './agentCommands.js';
import type { CliSession, GlobalFlags, RunIO } from './cliSession.js';
import { registerTelemetryCommands } from './telemetryCommands.js';
import { registerQueueCommands } from './queueCommands.js';
import { registerPathCommands } from './pathCommands.js';
import { registerMcpCommand } from './mcpCommand.js';
import { registerSessionCommand } from './sessionCommand.js';
import { settingsHelp, storeHelp } from './settingsText.js';
import { maskTextArguments, unmaskCommand, withoutMarks } from './textArguments.js';
import { registerWorkCommands } from './workCommands.js';

const VERSION = '0.1.0';

function exitStatusHelp(): string {
  const rows = Object.entries(ERROR_CODES)
    .filter(([code]) => code !== 'INVALID_INPUT')
    .map(([code, [status, meaning]]) => `  ${String(status).padStart(3)}  ${code.padEnd(18)} ${meaning}`);
  return ['', 'Exit status:', '    0  OK', ...rows.map((r) => r.replace(' USAGE             ', ' USAGE/INVALID_INPUT')), ''].join('\n');
}


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
    .option('--dir <path>', 'file store directory (overrides COORDINATION_DIR and COORDINATION_URL)')
    .option('--store <url>', 'PostgreSQL store, postgres://... (overrides COORDINATION_URL)')
    .option('--json', 'print full records as JSON on stdout')
    .option('-q, --quiet', 'no human messages on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput(output)
    .hook('preAction', (_program, actionCommand) => unmaskCommand(actionCommand))
    .addHelpText('after', storeHelp(io.env) + settingsHelp() + exitStatusHelp());
  registerWorkCommands(program, ctx);
  registerQueueCommands(program, ctx);
  registerPathCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerEventCommands(program, ctx);
  registerTelemetryCommands(program, ctx);
  registerSessionCommand(program, io);
  registerMcpCommand(program, io);
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
