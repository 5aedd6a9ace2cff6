/**
 * One CLI call's shared state: the configuration (resolved on first use, so a bad environment
 * setting fails inside the command like any other invalid input, and `settings` can show it) and the coordinator (opened on
 * first use, closed once by runCli). Both command paths, commander's and the fast path, use it.
 */
import { resolveConfig, type Config } from '../config.js';
import { Coordinator } from '../coordinator/Coordinator.js';
import { noopTracer, type Tracer } from '../telemetry/Tracer.js';
import type { CliContext } from './CliContext.js';

export interface RunIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** The agent's process when AGENT_PID is unset: main passes the calling script (agentProcess). */
  agentPid?: number;
  /** Builds the tracer for this run; default: none. */
  makeTracer?: (config: Readonly<Config>) => Promise<Tracer>;
  /** The coordinator serves many command lines (`session`): no process start-up time is recorded on its first operation. */
  longLived?: boolean;
}

/** The global options (--dir, --store, --json, --quiet); the fast path runs with none of them. */
export interface GlobalFlags {
  dir?: string;
  store?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface CliSession {
  /** The context for a command handler, given the global options parsed for this call. */
  context(flags: GlobalFlags): CliContext;
  /** Flushes telemetry of the coordinator, if one was opened. */
  close(): Promise<void>;
}

export function createCliSession(io: RunIO): CliSession {
  let coordinator: Coordinator | undefined;
  let config: Readonly<Config> | undefined;
  return {
    context(flags) {
      const resolved = () => (config ??= resolveConfig({ ...(flags.dir ? { dir: flags.dir } : {}), ...(flags.store ? { storeUrl: flags.store } : {}), defaultAgentPid: io.agentPid }, io.env));
      return {
        get config() {
          return resolved();
        },
        env: io.env,
        json: !!flags.json,
        inSession: !!io.longLived,
        quiet: !!flags.quiet,
        coordinator: async (mode = 'write') => {
          if (coordinator) return coordinator;
          const cfg = resolved();
          // Opened before the tracer is made: a read of a missing store leaves no journal behind either.
          const opened = await Coordinator.open({ config: cfg, create: mode === 'write', cliStartup: !io.longLived, tracer: io.makeTracer ? await io.makeTracer(cfg) : noopTracer });
          coordinator = opened;
          if (opened.createdStore) io.stderr(`coordination_helper: created a new ${opened.store.kind} store at ${opened.store.location}\n`);
          return opened;
        },
        out: (s) => io.stdout(s.endsWith('\n') ? s : `${s}\n`),
        say: (s) => {
          if (!flags.quiet) io.stderr(`${s}\n`);
        },
      };
    },
    async close() {
      // The CLI's process exits as soon as this returns (scripts/cli-loader.cjs).
      await coordinator?.close({ exiting: true });
    },
  };
}
