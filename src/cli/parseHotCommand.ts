/**
 * The start-up fast path: recognises the plain command lines of the hot commands (hotCommands.ts)
 * so they run without commander, whose load and set-up (plus node:child_process, which it pulls
 * in) cost several milliseconds per call.
 *
 * It accepts only command lines whose meaning under commander is certain: the global flags agent
 * scripts use most (`-q`, `--quiet`, `--json`) or none, the command name, then operands alone, as
 * many as the command declares at most and needs at least. Operands may be text that starts with
 * '-' (textArguments.ts: commander is given those as operands too). Anything with an option's
 * shape ('-x', '--dir', '--json', '-q', '-h', '--') and any argument count commander would refuse
 * returns null, and the caller hands the whole command line to commander, which stays the one
 * owner of help, usage errors and their wording.
 */
import type { GlobalFlags } from './cliSession.js';
import { HOT_COMMANDS, type HotCommand } from './hotCommands.js';
import { isTextArgument } from './textArguments.js';

export interface HotCall {
  command: HotCommand;
  /** One value per declared argument; omitted optional arguments get their defaults. */
  args: Array<string | undefined>;
  flags: GlobalFlags;
}

const GLOBAL_FLAGS: Record<string, keyof GlobalFlags> = { '-q': 'quiet', '--quiet': 'quiet', '--json': 'json' };

export function parseHotCommand(argv: readonly string[]): HotCall | null {
  const flags: GlobalFlags = {};
  let at = 0;
  for (; at < argv.length && GLOBAL_FLAGS[argv[at]!]; at++) (flags as Record<string, boolean>)[GLOBAL_FLAGS[argv[at]!]!] = true;
  const command = HOT_COMMANDS.find((c) => c.name === argv[at]);
  if (!command) return null;
  const operands = argv.slice(at + 1);
  if (operands.some((a) => a.startsWith('-') && !isTextArgument(a))) return null;
  const required = command.args.filter((a) => a.syntax.startsWith('<')).length;
  if (operands.length < required || operands.length > command.args.length) return null;
  return { command, args: command.args.map((a, i) => (i < operands.length ? operands[i] : a.defaultValue)), flags };
}
