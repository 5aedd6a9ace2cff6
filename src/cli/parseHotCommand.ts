/**
 * The start-up fast path: recognises the plain command lines of the hot commands (hotCommands.ts)
 * so they run without commander, whose load and set-up (plus node:child_process, which it pulls
 * in) cost several milliseconds per call.
 *
 * It accepts only command lines whose meaning under commander is certain: the global flags agent
 * scripts use most (`-q`, `--quiet`, `--json`) or none, the command name, then operands and the
 * command's own long options (`--wait 30`, `--wait=30`, a repeatable one repeated), as many
 * operands as the command declares at most and needs at least. Operands may be text that starts
 * with '-' (textArguments.ts: commander is given those as operands too). Anything else with an
 * option's shape ('-x', '--dir', '--json' after the command, '-h', '--'), an option value that
 * starts with '-' or is empty, a repeated single-value option and any argument count commander
 * would refuse returns null, and the caller hands the whole command line to commander, which stays
 * the one owner of help, usage errors and their wording.
 */
import type { GlobalFlags } from './cliSession.js';
import { HOT_COMMANDS, type HotCommand, type HotOptions } from './hotCommands.js';
import { isTextArgument } from './textArguments.js';

export interface HotCall {
  command: HotCommand;
  /** One value per declared argument; omitted optional arguments get their defaults. */
  args: Array<string | undefined>;
  /** The command's options, under commander's camelCase keys. */
  opts: HotOptions;
  flags: GlobalFlags;
}

const GLOBAL_FLAGS: Record<string, keyof GlobalFlags> = { '-q': 'quiet', '--quiet': 'quiet', '--json': 'json' };

/** `--depends-on <id>` -> { key: 'dependsOn', long: '--depends-on', takesValue: true }. */
function optionShape(flags: string): { key: string; long: string; takesValue: boolean } {
  const [long = '', value] = flags.split(' ');
  return { key: long.slice(2).replace(/-([a-z])/g, (_m, ch: string) => ch.toUpperCase()), long, takesValue: value !== undefined };
}

export function parseHotCommand(argv: readonly string[]): HotCall | null {
  const flags: GlobalFlags = {};
  let at = 0;
  for (; at < argv.length && GLOBAL_FLAGS[argv[at]!]; at++) (flags as Record<string, boolean>)[GLOBAL_FLAGS[argv[at]!]!] = true;
  const command = HOT_COMMANDS.find((c) => c.name === argv[at]);
  if (!command) return null;
  const operands: string[] = [];
  const opts: Record<string, string | string[] | boolean> = {};
  const rest = argv.slice(at + 1);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('-') || isTextArgument(arg)) {
      operands.push(arg);
      continue;
    }
    // An option: only a declared long option, used plainly, stays on the fast path.
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const spec = command.options.find((o) => optionShape(o.flags).long === name);
    if (!spec || spec.variadic) return null;
    const { key, takesValue } = optionShape(spec.flags);
    if (!takesValue) {
      if (eq >= 0) return null;
      opts[key] = true;
      continue;
    }
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return null;
    if (spec.repeatable) opts[key] = [...((opts[key] as string[] | undefined) ?? []), value];
    else if (key in opts) return null;
    else opts[key] = value;
  }
  const required = command.args.filter((a) => a.syntax.startsWith('<')).length;
  if (operands.length < required || operands.length > command.args.length) return null;
  return { command, args: command.args.map((a, i) => (i < operands.length ? operands[i] : a.defaultValue)), opts: opts as HotOptions, flags };
}
