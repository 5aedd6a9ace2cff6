/**
 * `coordination_helper`: the only module that touches argv, stdout/stderr and the exit status.
 * Everything else is the library. Stdout carries data only; messages go to stderr.
 *
 * Plain claim/add/claim-next/progress/complete command lines take the fast path (parseHotCommand.ts); every
 * other command line, help and usage errors included, goes to commander (program.ts), loaded
 * only then. `session` runs many command lines through runInSession, in one CliSession.
 */
import { SwarmError, exitStatusFor } from '../errors.js';
import { createCliSession, type CliSession, type RunIO } from './cliSession.js';
import { parseHotCommand } from './parseHotCommand.js';

export type { RunIO } from './cliSession.js';

/** How one command line ended: its exit status and, when it failed, the error's code and message. */
export interface CliOutcome {
  status: number;
  /** USAGE errors found by commander have no message here: commander wrote it to stderr. */
  error?: { code: string; message?: string };
}

/** Runs one command line and returns its exit status. Never throws. */
export async function runCli(argv: readonly string[], io: RunIO): Promise<number> {
  const session = createCliSession(io);
  try {
    return (await runInSession(argv, io, session)).status;
  } finally {
    await session.close();
  }
}

/** Runs one command line in `session`, which stays open for the next. Never throws. */
export async function runInSession(argv: readonly string[], io: RunIO, session: CliSession): Promise<CliOutcome> {
  try {
    const hot = parseHotCommand(argv);
    if (hot) {
      await hot.command.run(session.context(hot.flags), hot.args, hot.opts);
      return { status: 0 };
    }
    const status = await (await import('./program.js')).runProgram(argv, io, session);
    return status === 0 ? { status } : { status, error: { code: 'USAGE' } };
  } catch (err) {
    const code = err instanceof SwarmError ? err.code : 'INTERNAL';
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr(`coordination_helper: error [${code}]: ${msg}\n`);
    if (code === 'INTERNAL' && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    return { status: exitStatusFor(err), error: { code, message: msg } };
  }
}
