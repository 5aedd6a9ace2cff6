/**
 * `coordination_helper`: the only module that touches argv, stdout/stderr and the exit status.
 * Everything else is the library. Stdout carries data only; messages go to stderr.
 */
import { Command, CommanderError } from 'commander';
import { resolveConfig, type Config } from '../config.js';
import { Coordinator } from '../coordinator/Coordinator.js';
import { ERROR_CODES, SwarmError, exitStatusFor } from '../errors.js';
import { noopTracer, type Tracer } from '../telemetry/Tracer.js';
import { registerAdminCommands } from './adminCommands.js';
import { registerAgentCommands } from './agentCommands.js';
import { registerTelemetryCommands } from './telemetryCommands.js';
import type { CliContext } from './CliContext.js';
import { registerQueueCommands } from './queueCommands.js';
import { registerWorkCommands } from './workCommands.js';

const VERSION = '0.1.0';

function exitStatusHelp(): string {
  const rows = Object.entries(ERROR_CODES)
    .filter(([code]) => code !== 'INVALID_INPUT')
    .map(([code, [status, meaning]]) => `  ${String(status).padStart(3)}  ${code.padEnd(18)} ${meaning}`);
  return ['', 'Exit status:', '    0  OK', ...rows.map((r) => r.replace(' USAGE             ', ' USAGE/INVALID_INPUT')), ''].join('\n');
}

const ENV_HELP = `
Environment:
  COORDINATION_DIR      store directory (default ./agent_coordination)
  AGENT_ID              the calling agent (default agent_<nanoseconds>, new per call)
  AGENT_PID             the agent's process for liveness checks (default: the caller of this command)
  CURRENT_WORK_ITEM     default work id for progress/complete/release/fail
  LEASE_TTL_SECONDS     lease of a claim (default 300); heartbeat and progress renew it
  MAX_RETRY_ATTEMPTS    failed attempts before an item is dead (default 3)
  RETRY_BACKOFF_SECONDS first retry delay after fail, doubled per attempt with jitter (default 5;
                        RETRY_BACKOFF_MAX_SECONDS caps it, default 900)
  AGENT_STALE_SECONDS   an agent with no heartbeat this long is stale (default: LEASE_TTL_SECONDS)
  REAP_INTERVAL_MS      claim-next/ready look for reclaimable claims at most this often (default 1000)
  WORK_QUEUE_SHARDING   shard count for a new store (default 16; an existing store keeps its own)
  FLOCK_TIMEOUT         seconds to wait for a lock (default 30)
  FLOCK_RETRIES         lock attempts after the first (default 10000)
  FLOCK_BACKOFF_MS      first backoff step in ms, doubled with jitter (default 2, capped by FLOCK_BACKOFF_MAX_MS=100)
  LOCK_STALE_MS         a lock not refreshed for this long is taken over (default 10000, min 2000)
  SWARMFILE_FSYNC       0 to skip fsync (faster, not crash-safe against power loss; default 1)
  TELEMETRY_DIR         telemetry journal directory (default ./telemetry); OTEL_SDK_DISABLED=true turns
                        telemetry off; OTEL_*, TELEMETRY_SAMPLE_RATE, WAL_SYNC_INTERVAL, JOURNAL_*: docs/telemetry.md
`;

export interface RunIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
  /** The agent's process when AGENT_PID is unset: main passes its parent (the calling script). */
  agentPid?: number;
  /** Builds the tracer for this run; default: none. */
  makeTracer?: (config: Readonly<Config>) => Promise<Tracer>;
}

/** Runs one command line and returns its exit status. Never throws. */
export async function runCli(argv: readonly string[], io: RunIO): Promise<number> {
  let coordinator: Coordinator | undefined;
  let config: Readonly<Config> | undefined;
  const program = new Command('coordination_helper');
  const flags = () => program.opts<{ dir?: string; json?: boolean; quiet?: boolean }>();
  const ctx = (): CliContext => {
    config ??= resolveConfig({ ...(flags().dir ? { dir: flags().dir } : {}), defaultAgentPid: io.agentPid }, io.env);
    const cfg = config;
    return {
      config: cfg,
      json: !!flags().json,
      quiet: !!flags().quiet,
      coordinator: async () => (coordinator ??= await Coordinator.open({ config: cfg, tracer: io.makeTracer ? await io.makeTracer(cfg) : noopTracer })),
      out: (s) => io.stdout(s.endsWith('\n') ? s : `${s}\n`),
      say: (s) => {
        if (!flags().quiet) io.stderr(`${s}\n`);
      },
    };
  };
  program
    .version(VERSION)
    .description('Exactly-once coordination for concurrent agents on one host (SwarmSH-compatible commands).')
    .option('--dir <path>', 'store directory (overrides COORDINATION_DIR)')
    .option('--json', 'print full records as JSON on stdout')
    .option('-q, --quiet', 'no human messages on stderr')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .addHelpText('after', ENV_HELP + exitStatusHelp());
  registerWorkCommands(program, ctx);
  registerQueueCommands(program, ctx);
  registerAgentCommands(program, ctx);
  registerAdminCommands(program, ctx);
  registerTelemetryCommands(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  let status = 0;
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other parse problem is a usage error.
      status = err.exitCode === 0 ? 0 : ERROR_CODES.USAGE[0];
    } else {
      status = exitStatusFor(err);
      const code = err instanceof SwarmError ? err.code : 'INTERNAL';
      const msg = err instanceof Error ? err.message : String(err);
      io.stderr(`coordination_helper: error [${code}]: ${msg}\n`);
      if (code === 'INTERNAL' && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    }
  } finally {
    await coordinator?.close();
  }
  return status;
}
