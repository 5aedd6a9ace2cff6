/**
 * Types of the benchmark suite's contracts, for `make lint` (tsconfig.bench.json checks bench/
 * as JavaScript with these declarations): a part, the context bench/run.mjs hands every part, the
 * ledger of what agents were told, and the options of a multi-agent run.
 */

/** What agents were told succeeded: the ids of claims, progress reports and completions. */
export interface Ledger {
  claimed: Set<string>;
  progressed: Set<string>;
  completed: Set<string>;
}

/** A child process's wall time and output (bench/lib/runTimed.mjs). */
export interface Timed {
  code: number;
  signal?: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** What a store check reports (bench/lib/invariants.mjs); `ok` false fails the suite. */
export interface InvariantReport {
  ok: boolean;
  files_checked: number;
  reported: { claimed: number; progressed: number; completed: number };
  on_disk: { active: number; completed: number };
  lost: { claims: number; progress: number; completions: number; total: number; examples: string[]; queued?: number };
  duplicated: { count: number; examples: string[] };
  problems: string[];
  /** Work-queue runs only (bench/parts/claimNext). */
  queue?: Record<string, number>;
}

/** Whatever the workload drives: swarmfile's CLI or an `--against` command (bench/lib/targets.mjs). */
export interface Target {
  name: string;
  kind: 'swarmfile' | 'command';
  argv(args: string[]): string[];
  check(dir: string, ledger: Ledger, options?: { preexisting?: { active?: number; completed?: number } }): Promise<InvariantReport>;
}

/** Options of one multi-agent run (bench/lib/runAgents.mjs). */
export interface AgentRunOptions {
  dir: string;
  agents: number;
  cycles?: number;
  durationS?: number;
  rampUpS?: number;
  env?: Record<string, string>;
  onCycle?: () => void;
  agentPrefix?: string;
}

/** One measured metric: what detect-regressions compares between runs. */
export type Better = 'lower' | 'higher';

/** Progress on stderr (bench/lib/progress.mjs). */
export interface Progress {
  start(label: string, total?: number): void;
  tick(n?: number): void;
  note(text: string): void;
  end(): void;
}

/** The context bench/run.mjs hands every part. */
export interface BenchContext {
  opts: { against?: string; telemetryOn?: string; telemetryOff?: string };
  /** The workload profile's sizes (bench/lib/sizes.mjs), after command-line overrides. */
  sizes: Record<string, any>;
  progress: Progress;
  target: Target;
  /** A fresh directory under the run's work root. */
  tmp(label: string): string;
  run(argv: string[], env?: NodeJS.ProcessEnv): Promise<Timed>;
  /** The swarmfile CLI with `args`, the environment plus `env`. */
  cli(args: string[], env?: Record<string, string>): Promise<Timed>;
  metric(name: string, unit: string, better: Better, samples: number[]): void;
  /** Records a run's invariant report; a failed one fails the suite unless `expectLoss`. */
  checkRun(label: string, run: { invariants: InvariantReport }, options?: { expectLoss?: boolean }): void;
}

/** What a part returns: its data (kept in the results JSON) and a table for stdout. */
export interface PartResult {
  data?: any;
  table?: { headers: string[]; rows: unknown[][] };
  skipped?: string;
}

/** One benchmark part (bench/parts/*.mjs). */
export interface BenchPart {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<PartResult>;
}
