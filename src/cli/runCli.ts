/**
 * `coordination_helper`: the only module that touches argv, stdout/stderr and the exit status.
 * Everything else is the library. Stdout carries data only; messages go to stderr.
 *
 * Plain claim/add/claim-next/progress/complete command lines take the fast path (parseHotCommand.ts); every
 * other command line, help and usage errors included, goes to commander (program.ts), loaded
 * only then.
 */
import { SwarmError, exitStatusFor } from '../errors.js';
import { createCliSession, type RunIO } from './cliSession.js';
import { parseHotCommand } from './parseHotCommand.js';

export type { RunIO } from './cliSession.js';

/** Runs one command line and returns its exit status. Never throws. */
export async function runCli(argv: readonly string[], io: RunIO): Promise<number> {
  const session = createCliSession(io);
  let status = 0;
  try {
    const hot = parseHotCommand(argv);
    if (hot) await hot.command.run(session.context(hot.flags), hot.args, hot.opts);
    else status = await (await import('./program.js')).runProgram(argv, io, session);
  } catch (err) {
    status = exitStatusFor(err);
    const code = err instanceof SwarmError ? err.code : 'INTERNAL';
    const msg = err instanceof Error ? err.message : String(err);
    io.stderr(`coordination_helper: error [${code}]: ${msg}\n`);
    if (code === 'INTERNAL' && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
  } finally {
    await session.close();
  }
  return status;
}
