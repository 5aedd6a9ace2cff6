import type { Config } from '../config.js';
import type { Coordinator } from '../coordinator/Coordinator.js';
import type { Env } from '../readSetting.js';

/** What command handlers get: the resolved config, a lazily opened coordinator and output sinks. */
export interface CliContext {
  /** Resolved on first use: an invalid setting throws INVALID_INPUT there. */
  readonly config: Readonly<Config>;
  /** The environment the settings come from. */
  readonly env: Env;
  /** --json: print full records as JSON on stdout. */
  readonly json: boolean;
  /** Running inside `session` (one command line of many): commands that never end are refused. */
  readonly inSession: boolean;
  /** --quiet: no human messages on stderr. */
  readonly quiet: boolean;
  /** The coordinator; `'read'` for commands that need an existing store (a missing one is NOT_FOUND). */
  coordinator(mode?: 'read' | 'write'): Promise<Coordinator>;
  /** Data, on stdout. */
  out(text: string): void;
  /** Human messages, on stderr (suppressed by --quiet). */
  say(text: string): void;
}
