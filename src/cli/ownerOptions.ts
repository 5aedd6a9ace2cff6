/**
 * --token and --force, shared by every command that acts on a claim. Plain data (not commander
 * Options) so the start-up fast path can import them without loading commander.
 */
export interface OptionSpec {
  /** commander's syntax: `--name` (a switch) or `--name <value>`. */
  readonly flags: string;
  readonly description: string;
  /** Given more than once, the values are collected into an array. */
  readonly repeatable?: boolean;
  /** Takes every following operand (`--paths <glob...>`): commander parses it; the fast path steps aside. */
  readonly variadic?: boolean;
}

export const TOKEN_OPTION: OptionSpec = { flags: '--token <n>', description: 'fencing token from your claim (--json shows it); refused if the item was claimed again since' };
export const FORCE_OPTION: OptionSpec = { flags: '--force', description: "operators: act on another agent's claim (recorded on the item)" };

/** --root, shared by the commands that take paths. */
export const ROOT_OPTION: OptionSpec = { flags: '--root <dir>', description: 'repository root the paths are relative to (default: git rev-parse --show-toplevel, else the current directory)' };
