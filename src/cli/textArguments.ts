/**
 * Free text that starts with '-'. SwarmSH's script took every argument literally, so agent scripts
 * pass descriptions and results such as "- [ ] write docs", "-1 tests failed" or "--verbose breaks
 * the build". commander reads any argument starting with '-' as an option and refuses it.
 *
 * The rule here: an argument that starts with '-' is text unless it has the shape of an option:
 * `-x`, `-abc`, `--name` or `--name=value`. Those stay options (an unknown one is a usage error,
 * and `--` before the operands makes them text, as in every getopt tool). Text arguments reach
 * commander behind a NUL prefix, which no real argument can hold (argv strings are
 * NUL-terminated), and lose it again before a command runs (see `unmaskCommand`).
 */
import type { Command } from 'commander';

const OPTION_SHAPE = /^(-[A-Za-z]+|--[A-Za-z][A-Za-z0-9-]*(=[\s\S]*)?)$/;
const TEXT_MARK = '\u0000';

/** True for an argument that starts with '-' but cannot be an option: it is an operand. */
export function isTextArgument(arg: string): boolean {
  return arg.length > 1 && arg.startsWith('-') && arg !== '--' && !OPTION_SHAPE.test(arg);
}

/** argv with every text argument hidden from commander's option parser. */
export function maskTextArguments(argv: readonly string[]): string[] {
  return argv.map((a) => (isTextArgument(a) ? TEXT_MARK + a : a));
}

/** Removes the mark from anything commander hands back: a string, or strings in an array. */
export function unmask<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith(TEXT_MARK) ? value.slice(TEXT_MARK.length) : value) as T;
  if (Array.isArray(value)) return value.map((v) => unmask(v)) as T;
  return value;
}

/** commander's own messages (unknown command, too many arguments) shown without the mark. */
export function withoutMarks(text: string): string {
  return text.split(TEXT_MARK).join('');
}

/**
 * Unmasks the arguments and option values of the command about to run and of every command above
 * it (global options such as --dir live on the program). Meant for a preAction hook.
 */
export function unmaskCommand(actionCommand: Command): void {
  for (let cmd: Command | null = actionCommand; cmd; cmd = cmd.parent) {
    cmd.processedArgs = unmask(cmd.processedArgs);
    cmd.args = unmask(cmd.args);
    const values = cmd.opts();
    for (const key of Object.keys(values)) {
      const value = values[key];
      const clean = unmask(value);
      if (clean !== value) cmd.setOptionValueWithSource(key, clean, cmd.getOptionValueSource(key) ?? 'cli');
    }
  }
}
