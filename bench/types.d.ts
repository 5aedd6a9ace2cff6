/**
 * Types of the benchmark suite's contracts, for `make lint` (tsconfig.bench.json checks bench/ and
 * scripts/ as JavaScript with these declarations, under the same strict options as src/): a part,
 * the context bench/run.mjs hands every part, the ledger of what agents were told, a multi-agent
 * run and its figures, the workload sizes, and the results file that report.mjs and
 * detect-regressions.mjs read back.
 */

/** What agents were told succeeded: the ids of claims, progress reports and completions. */
export interface Ledger {
  claimed: Set<string>;
  progressed: Set<string>;
  completed: Set<string>;
}

/** A Ledger as a child process prints it (JSON has no sets). */
export interface LedgerLists {
  claimed: string[];
  progressed: string[];
  completed: string[];
}

/** A child process's wall time and output (bench/lib/runTimed.mjs). */
export interface Timed {
  code: number;
  signal?: NodeJS.Signals | null;
  ms: number;
  stdout: string;
  stderr: string;
}

/** summarize() of raw samples (bench/lib/stats.mjs): every figure is null when there are none. */
export interface Summary {
  n: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
  min: number | null;
  max: number | null;
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
  /** Work-queue runs only (bench/lib/queueInvariants.mjs). */
  queue?: QueueReport;
}

/** The work queue's own promise, counted (bench/lib/queueInvariants.mjs). */
export interface QueueReport {
  items: number;
  completed_once: number;
  never_completed: number;
  completed_twice: number;
  claimed_twice: number;
  still_queued: number;
  unexpected_completions: number;
  unexpected_claims: number;
}

/** Items already in a store before a run: not the run's doing, so not counted against it. */
export interface Preexisting {
  active?: number;
  completed?: number;
}

/** Whatever the workload drives: swarmfile's CLI or an `--against` command (bench/lib/targets.mjs). */
export interface Target {
  name: string;
  kind: 'swarmfile' | 'command';
  argv(args: string[]): string[];
  check(dir: string, ledger: Ledger, options?: { preexisting?: Preexisting }): Promise<InvariantReport>;
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

/** One timed operation of a multi-agent run. `code` is an exit status (CLI) or an error code (library). */
export interface OpSample {
  agent: number;
  op: string;
  start_ms: number;
  ms: number;
  ok: boolean;
  code: number | string;
}

/** One claim -> progress -> complete cycle of a multi-agent run. */
export interface CycleSample {
  agent: number;
  ms: number;
  ok: boolean;
}

/** What bench/children/libraryAgents.mjs prints. */
export interface LibraryAgentsOutput {
  wallMs: number;
  ops: OpSample[];
  cycles: CycleSample[];
  failures: number;
  ledger: LedgerLists;
  maxRssBytes: number;
}

/**
 * A work-queue agent's records: one timed call, one claim-next -> progress -> complete cycle (start
 * and end from the run's start), one failed call. `code` is an exit status through the CLI, an error
 * code through the library. bench/children/queueAgents.mjs prints them; parts/claimNext reads them.
 */
export interface QueueOp {
  op: string;
  ms: number;
  ok: boolean;
  code?: number | string;
  agent?: number;
}
export interface QueueCycle {
  agent: number | string;
  start: number;
  end: number;
  ok: boolean;
}
export interface QueueFailure {
  agent: number;
  op: string;
  id?: string;
  code: number | string;
  message: string;
}

/** Lock figures of a run, from its telemetry spans (bench/lib/multiRun.mjs). */
export interface LockSummary {
  spans: number;
  wait_ms: Summary;
  retries: Summary;
  wait_samples_ms: number[];
  retry_samples: number[];
}

/** A multi-agent run's figures (bench/lib/runAgents.mjs), completed by multiRun and the parts. */
export interface AgentRun {
  target: string;
  /** cli: a process per operation; library: one process; session, mcp: a long-lived connection per agent (bench/lib/runChannelAgents.mjs). */
  mode: 'cli' | 'library' | 'session' | 'mcp';
  agents: number;
  wall_ms: number;
  cycles: number;
  ok_cycles: number;
  throughput_cycles_per_s: number;
  success_rate: number | null;
  failures: number;
  failure_codes: Record<string, number>;
  op_samples_ms: Record<string, number[]>;
  cycle_samples_ms: number[];
  invariants: InvariantReport;
  /** Set by multiRun. */
  label?: string;
  lock?: LockSummary | null;
  latency?: Record<string, Summary>;
  /** session and mcp runs: how far apart the agents' first cycles were (bench/lib/runChannelAgents.mjs). */
  start_spread_ms?: number;
  /** Set by the parts that tell runs apart by them. */
  tool?: string;
  shards?: number;
}

/** An AgentRun after multiRun: labelled, with lock figures and per-operation summaries. */
export type MeasuredRun = AgentRun & { label: string; lock: LockSummary | null; latency: Record<string, Summary> };

/** Which way a metric is better: what detect-regressions compares between runs. */
export type Better = 'lower' | 'higher';

/** One metric of a results file: its raw samples. */
export interface Metric {
  unit: string;
  better: Better;
  samples: number[];
}

/** Progress on stderr (bench/lib/progress.mjs). */
export interface Progress {
  start(label: string, total: number): void;
  tick(n?: number): void;
  note(text: string): void;
  end(): void;
}

/** Cycles per agent for a given number of agents, so each run does a similar amount of work. */
export type PerAgent = (agents: number) => number;

/** A workload profile's sizes (bench/lib/sizes.mjs). */
export interface Sizes {
  startupRounds: number;
  latencyCliRounds: number;
  latencyLibRounds: number;
  throughputAgents: number[];
  cliCycles: PerAgent;
  libCycles: PerAgent;
  sweepAgents: number[];
  sweepCycles: PerAgent;
  shardCounts: number[];
  shardAgents: number;
  shardCycles: number;
  scaleSizes: number[];
  scaleRounds: number;
  scaleLibRounds: number;
  memoryRounds: number;
  telemetryBlocks: number;
  /** The detector part: --compare runs with a 10% slowdown injected, A/A runs, library rounds per run. */
  detectorSlowRuns: number;
  detectorSameRuns: number;
  detectorLibRounds: number;
  telemetryRoundsPerBlock: number;
  againstAgents: number[];
  againstCycles: PerAgent;
  claimNextAgents: number[];
  claimNextCliCycles: PerAgent;
  claimNextLibCycles: PerAgent;
  claimNextQueueSizes: number[];
  claimNextLibRounds: number;
  claimNextCliRounds: number;
  claimNextWakeWaiters: number[];
  claimNextWakeReps: number;
  /** The hotpath part: library agents in one process, cycles per agent, alternating repetitions. */
  hotPathAgents: number[];
  hotPathCycles: PerAgent;
  hotPathReps: number;
  /** The reservations part: live reservations in the small and the large store (e.g. 10 and 10,000). */
  reservationCounts: number[];
  /** Paths each seeded claim reserves (one reserve call); the claims are spread over the seeding agents. */
  reservationPathsPerClaim: number;
  reservationSeedAgents: number;
  /** Measured rounds (each: every operation once per store, alternating which store goes first). */
  reservationLibRounds: number;
  reservationCliRounds: number;
  /** The connections part: agent counts, and cycles per agent through the CLI, the library, and session/mcp. */
  connectionsAgents: number[];
  connectionsCliCycles: PerAgent;
  connectionsLibCycles: PerAgent;
  connectionsChannelCycles: PerAgent;
  changeLogAgents: number[];
  changeLogCycles: PerAgent;
  changeLogRounds: number;
  followEvents: number;
}

/** The context bench/run.mjs hands every part. */
export interface BenchContext {
  opts: { against?: string; telemetryOn?: string; telemetryOff?: string };
  /** The workload profile's sizes (bench/lib/sizes.mjs), after command-line overrides. */
  sizes: Sizes;
  progress: Progress;
  target: Target;
  /** A fresh directory under the run's work root. */
  tmp(label: string): string;
  run(argv: string[], env?: NodeJS.ProcessEnv): Promise<Timed>;
  /** The swarmfile CLI with `args`, the environment plus `env`. */
  cli(args: string[], env?: Record<string, string>): Promise<Timed>;
  /** Records a metric's raw samples; anything but a finite number (a missing figure) is dropped. */
  metric(name: string, unit: string, better: Better, samples: readonly (number | null)[]): void;
  /** Records a run's invariant report; a failed one fails the suite unless `expectLoss`. */
  checkRun(label: string, run: { invariants: InvariantReport }, options?: { expectLoss?: boolean }): void;
}

/** A part's table for stdout and the report. */
export interface Table {
  headers: string[];
  rows: unknown[][];
}

/** What a part returns: its data (kept in the results JSON) and a table, or why it was skipped. */
export type PartResult = { data: unknown; table: Table; skipped?: undefined } | { skipped: string; data?: undefined; table?: undefined };

/** One benchmark part (bench/parts/*.mjs). */
export interface BenchPart {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<PartResult>;
}

/**
 * A results file (bench/run.mjs writes it; report.mjs and detect-regressions.mjs read it back).
 * Each part's `data` is that part's own JSON, read back as parsed JSON.
 */
export interface ResultsFile {
  schema: string;
  label: string | null;
  started_at: string;
  finished_at: string | null;
  machine: Record<string, unknown> & { cores?: number; memory_bytes?: number; node?: string };
  git: { commit: string | null; branch: string | null; dirty: boolean | null };
  config: { argv: string[]; profile: string; parts: string[]; sizes: Record<string, unknown>; against: string | null; inject?: string | null; env: Record<string, string | undefined> };
  parts: Record<string, PartRecord>;
  metrics: Record<string, Metric>;
  invariants: { run: string; tool: string; ok: boolean; lost: InvariantReport['lost']; duplicated: InvariantReport['duplicated']; problems: string[] }[];
  ok: boolean;
  failures: string[];
}

/** One part in a results file. */
export interface PartRecord {
  title: string;
  seconds?: number;
  data?: any;
  table?: Table;
  skipped?: string;
  error?: string;
}
