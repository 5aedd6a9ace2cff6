/**
 * `coordination_helper session`: one long-lived process per agent. It reads one command line per
 * line on stdin and writes one JSON answer per command line on stdout (sessionLine.ts), in order,
 * so a bash agent pays Node's start-up once (`coproc SW { coordination_helper session; }`).
 * Stdout carries answers only; its own messages and warnings go to stderr. It ends with status 0
 * at end of input; SIGTERM/SIGINT end it after the line in progress (it then dies of the signal; a
 * second signal ends it at once). Either way the coordinator is closed first. An answer that
 * cannot be written (nobody reads) ends it with IO_ERROR, after giving back a claim that line made.
 */
import type { Command } from 'commander';
import { StringDecoder } from 'node:string_decoder';
import { isSwarmError, SwarmError } from '../errors.js';
import { fixedAgent } from './fixedAgent.js';
import type { GlobalFlags, RunIO } from './cliSession.js';
import { createSessionRunner } from './sessionLine.js';

/** A line longer than this is refused (USAGE) without being kept in memory. */
const MAX_LINE_BYTES = 1 << 20;
/** Lines read ahead of the one running; reading pauses beyond this. */
const MAX_QUEUED = 64;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export const SESSION_HELP = `
Protocol: one command line per line on stdin, written as on the command line without the program
name; one JSON line per command line on stdout, in order:
  {"ok":true,"exit":0,"id":"work_…","stdout":"…","stderr":"…"}           (+ "result": the JSON printed, with --json)
  {"ok":false,"code":"NOT_OWNER","exit":8,"error":"…","stdout":"","stderr":"…"}
"id" is the work item the command handled (when it handled one); "code" and "exit" are the CLI's
error codes and exit statuses. Blank lines and lines starting with # get no answer.

Words are split as a POSIX shell splits them ('…', "…", $'…', backslash escapes) with no expansion:
$, \`, ~ and * are kept as written; bash's printf %q quotes any text for a line, newlines included.
An unquoted | & ; < > ( ), an unterminated quote or a line ending in a backslash is a USAGE error
for that line only. The session goes on after every error.

One coordinator serves every line: AGENT_ID (generated once if unset, and named on stderr),
CURRENT_WORK_ITEM and every other setting come from the session's environment, and claims are
tied to the process that started the session (AGENT_PID, else the calling script), as for the CLI.
A line cannot set variables: pass ids explicitly. The store is the session's (its --dir/--store or
the environment); a line naming another store is refused. -q/--json given before 'session' apply
to every line. 'session' and 'mcp' cannot run inside a session. A long command (claim-next --wait)
holds the session until it is answered; lines sent meanwhile wait their turn.

End of input closes the coordinator and exits 0. SIGTERM/SIGINT: the line in progress is answered,
the coordinator closed, then the session dies of the signal (143/130 in bash). An answer nobody
reads (stdout closed): the claim that line handed out is given back, and the session exits 11.

Example (bash):
  coproc SW { coordination_helper session; }
  ask() { printf '%s\\n' "$1" >&"\${SW[1]}"; IFS= read -r answer <&"\${SW[0]}"; }
  ask 'claim-next'; [[ $answer =~ \\"id\\":\\"([^\\"]+) ]] && id=\${BASH_REMATCH[1]}
  ask "progress $id 50"; ask "complete $id success 5"
`;

/** Reads `input` as lines (split on LF only) and hands them out one at a time. */
function lineReader(input: NodeJS.ReadableStream) {
  const decoder = new StringDecoder('utf8');
  const queue: Array<string | { tooLong: true }> = [];
  let partial = '';
  let dropping = false;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  input.on('data', (chunk: Buffer | string) => {
    const parts = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      queue.push(dropping ? { tooLong: true } : p);
      dropping = false;
    }
    if (Buffer.byteLength(partial) > MAX_LINE_BYTES) {
      dropping = true;
      partial = '';
    }
    if (queue.length > MAX_QUEUED) input.pause();
    notify();
  });
  const end = () => {
    if (ended) return;
    ended = true;
    partial += decoder.end();
    if (dropping) queue.push({ tooLong: true });
    else if (partial) queue.push(partial);
    notify();
  };
  input.on('end', end);
  input.on('error', end);
  return {
    /** The next line; null at end of input or once `stop` was called. */
    async next(stopped: () => boolean): Promise<string | { tooLong: true } | null> {
      for (;;) {
        if (stopped()) return null;
        const line = queue.shift();
        if (line !== undefined) {
          if (queue.length <= MAX_QUEUED / 2) input.resume();
          return line;
        }
        if (ended) return null;
        await new Promise<void>((r) => (wake = r));
      }
    },
    wake: notify,
  };
}

/**
 * Runs a session on `input` until its end or a signal. Resolves to the signal that ended it (none
 * at end of input); throws IO_ERROR when an answer could not be written (after giving back what
 * that line handed out).
 */
export async function runSession(io: RunIO, flags: GlobalFlags, input: NodeJS.ReadableStream): Promise<NodeJS.Signals | undefined> {
  const { env } = fixedAgent(io, 'session');
  const runner = createSessionRunner({ ...io, env }, flags);
  const reader = lineReader(input);
  let signalled: NodeJS.Signals | undefined;
  const unlisten = () => SIGNALS.forEach((sig) => process.off(sig, onSignal));
  function onSignal(sig: NodeJS.Signals): void {
    if (signalled) {
      // A second signal: end now, as the signal's default would (the store is crash-safe).
      unlisten();
      process.kill(process.pid, sig);
    }
    signalled = sig;
    reader.wake();
  }
  SIGNALS.forEach((sig) => process.on(sig, onSignal));
  try {
    for (;;) {
      const line = await reader.next(() => signalled !== undefined);
      if (line === null) break;
      const answer =
        typeof line === 'string'
          ? await runner.run(line)
          : { ok: false, code: 'USAGE', exit: 2, error: `line longer than ${MAX_LINE_BYTES} bytes`, stdout: '', stderr: '' };
      if (!answer) continue;
      try {
        io.stdout(`${JSON.stringify(answer)}\n`);
      } catch (err) {
        if (!isSwarmError(err, 'IO_ERROR')) throw err;
        // Nobody reads the answers any more: give back what this one handed out, and stop.
        let outcome = 'nothing was handed out';
        try {
          outcome = (await runner.giveBack()) ?? outcome;
        } catch (undoErr) {
          outcome = `giving the claim back failed (${undoErr instanceof Error ? undoErr.message : String(undoErr)})`;
        }
        throw new SwarmError('IO_ERROR', `${err.message}: the answer was lost, so ${outcome}`, err.details, { cause: err });
      }
    }
  } finally {
    await runner.close();
    unlisten();
  }
  return signalled;
}

export function registerSessionCommand(program: Command, io: RunIO): void {
  program
    .command('session')
    .description('long-lived: run one command per stdin line, answer one JSON line each on stdout (for bash coproc agents)')
    .addHelpText('after', SESSION_HELP)
    .action(async () => {
      const signal = await runSession(io, program.opts<GlobalFlags>(), process.stdin);
      // Ended by a signal: die of it now that the coordinator is closed (no listener is left).
      if (signal) process.kill(process.pid, signal);
    });
}
