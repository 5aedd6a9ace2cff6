/**
 * The one settings table: every environment variable swarmfile reads, with its parser, bounds,
 * default and one line of documentation. `resolveConfig` (config.ts) and
 * `resolveTelemetryConfig` read the environment only through `readSetting` with these entries;
 * `--help`, `coordination_helper settings` and the README's tables are printed from it, and a test
 * checks the README against it. Defaults are written as a user would write them in the
 * environment (seconds where the variable is in seconds).
 */

export const SETTING_GROUPS = ['store', 'agent', 'queue', 'locks', 'telemetry', 'export', 'test'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

interface SettingBase {
  /** One line for `--help` and the README (Markdown backticks allowed). */
  readonly doc: string;
  readonly group: SettingGroup;
  /** The default as the docs show it, when it is not a plain value (derived, or per call). */
  readonly defaultText?: string;
  /** `OTEL_EXPORTER_OTLP_TRACES_<X>` is read too and wins over this general `OTEL_EXPORTER_OTLP_<X>`. */
  readonly tracesVariant?: boolean;
}

export type Setting = SettingBase &
  (
    | { readonly kind: 'int' | 'number'; readonly min: number; readonly max: number; readonly default?: number }
    | { readonly kind: 'bool'; readonly default: boolean }
    | { readonly kind: 'text'; readonly default?: string }
    | { readonly kind: 'choice'; readonly choices: readonly string[]; readonly default?: string }
  );

const YEAR_S = 31_536_000;

export const SETTINGS = {
  // store
  COORDINATION_DIR: { group: 'store', kind: 'text', default: './agent_coordination', doc: 'store directory (`--dir` overrides it)' },
  COORDINATION_URL: { group: 'store', kind: 'text', defaultText: 'unset: the file store at `COORDINATION_DIR`', doc: 'a PostgreSQL store, `postgres://user@host/db` (`?schema=name`, default `swarmfile`; `--store` overrides it); its password is never printed' },
  WORK_QUEUE_SHARDING: { group: 'store', kind: 'int', min: 1, max: 256, default: 16, doc: 'shard count of a *new* store; an existing store keeps the count in its `swarmfile.json`. Active shards split by themselves as the store grows (see Store layout in the README): this is the starting count, not a ceiling' },
  SWARMFILE_FSYNC: { group: 'store', kind: 'bool', default: true, doc: '0 skips fsync: faster, still safe against process crashes, not against power loss' },
  SWARMFILE_FSYNC_DIR: { group: 'store', kind: 'bool', default: true, doc: 'with fsync on, 0 skips the directory fsync after renames (only to measure its cost)' },
  EVENTS_ROTATION_MB: { group: 'store', kind: 'number', min: 0.001, max: 4096, default: 4, doc: 'file store: a change-log lane is rotated into a segment at this size (`events`, `audit`)' },
  EVENTS_MAX_MB: { group: 'store', kind: 'number', min: 0.01, max: 1_048_576, default: 256, doc: 'file store: disk budget of the change log; the oldest segments go first (a reader behind them is told so, and `audit` then checks only what is left)' },
  // agent
  AGENT_ID: { group: 'agent', kind: 'text', defaultText: '`agent_<ns>` (new per call)', doc: 'the calling agent; the naming rules of Input rules apply (exit 2 otherwise)' },
  AGENT_PID: { group: 'agent', kind: 'int', min: 1, max: 2 ** 31 - 1, defaultText: "the CLI's caller / the library's process", doc: 'the agent process, recorded at claim and `register` for liveness checks' },
  AGENT_HOST: { group: 'agent', kind: 'text', defaultText: "the machine's host name", doc: "host recorded on claims and registrations: pid checks apply only to claims of the checker's own host (simulates hosts in `make demo-pg`)" },
  CURRENT_WORK_ITEM: { group: 'agent', kind: 'text', doc: 'default id for `progress`/`complete`/`release`/`fail`' },
  // queue
  LEASE_TTL_SECONDS: { group: 'queue', kind: 'int', min: 1, max: YEAR_S, default: 300, doc: 'lease of a claim; `heartbeat` and `progress` renew it' },
  MAX_RETRY_ATTEMPTS: { group: 'queue', kind: 'int', min: 1, max: 1000, default: 3, doc: 'failed attempts after which an item is dead' },
  RETRY_BACKOFF_SECONDS: { group: 'queue', kind: 'number', min: 0, max: 86_400, default: 5, doc: 'first retry delay after `fail`; doubles per attempt, jittered x[0.5, 1]' },
  RETRY_BACKOFF_MAX_SECONDS: { group: 'queue', kind: 'number', min: 0, max: YEAR_S, default: 900, doc: 'longest retry delay' },
  AGENT_STALE_SECONDS: { group: 'queue', kind: 'int', min: 1, max: YEAR_S, defaultText: '`LEASE_TTL_SECONDS`', doc: 'an agent with no heartbeat (or progress) for this long is stale' },
  REAP_INTERVAL_MS: { group: 'queue', kind: 'int', min: 0, max: 3_600_000, default: 1000, doc: '`claim-next`/`ready` scan for reclaimable claims at most this often (across all processes)' },
  // locks
  FLOCK_TIMEOUT: { group: 'locks', kind: 'number', min: 0, max: 86_400, default: 30, doc: 'seconds to wait for a lock' },
  FLOCK_RETRIES: { group: 'locks', kind: 'int', min: 0, max: 1_000_000, default: 10_000, doc: 'lock attempts after the first' },
  FLOCK_BACKOFF_MS: { group: 'locks', kind: 'int', min: 1, max: 60_000, default: 2, doc: 'first backoff step, ms; doubles per attempt, jittered x[0.5, 1.5)' },
  FLOCK_BACKOFF_MAX_MS: { group: 'locks', kind: 'int', min: 1, max: 600_000, default: 100, doc: 'largest backoff step, ms' },
  LOCK_STALE_MS: { group: 'locks', kind: 'int', min: 0, max: 3_600_000, default: 30_000, defaultText: '30000 (min 2000)', doc: 'a live lock holder silent this long (no refresh) is hung; dead holders are recognised at once whatever this says' },
  LOCK_HUNG_ACTION: { group: 'locks', kind: 'choice', choices: ['kill', 'wait'], default: 'kill', doc: 'what a waiter does about a hung holder on this host: `kill` (SIGKILL it, then take the lock) or `wait` (time out until it resumes)' },
  // telemetry: an invalid value never fails a command; the default is used and a warning printed
  TELEMETRY_DIR: { group: 'telemetry', kind: 'text', default: './telemetry', doc: 'journal directory' },
  OTEL_SDK_DISABLED: { group: 'telemetry', kind: 'bool', default: false, doc: '`true`: telemetry off (no spans, no journal, no export). **The off switch.**' },
  OTEL_TRACES_SAMPLER: { group: 'telemetry', kind: 'choice', choices: ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'], defaultText: '`parentbased_always_on`; `parentbased_traceidratio` if only a rate is set', doc: 'which traces to keep' },
  OTEL_TRACES_SAMPLER_ARG: { group: 'telemetry', kind: 'number', min: 0, max: 1, default: 1, doc: 'ratio 0..1 for the `*traceidratio` samplers' },
  TELEMETRY_SAMPLE_RATE: { group: 'telemetry', kind: 'number', min: 0, max: 1, default: 1, doc: 'alias of `OTEL_TRACES_SAMPLER_ARG` (which wins when both are set)' },
  SAMPLING_CRITICAL_ALWAYS: { group: 'telemetry', kind: 'bool', default: true, doc: 'keep failed and slow spans whatever the sampler says (also under `always_off`)' },
  TELEMETRY_SLOW_MS: { group: 'telemetry', kind: 'number', min: 0, max: 86_400_000, default: 1000, doc: 'an operation at least this slow is "slow"' },
  TRACEPARENT: { group: 'telemetry', kind: 'text', doc: 'W3C trace context of the caller' },
  TRACESTATE: { group: 'telemetry', kind: 'text', doc: 'W3C trace state of the caller' },
  OTEL_SERVICE_NAME: { group: 'telemetry', kind: 'text', default: 'swarmfile', doc: '`service.name` resource attribute' },
  WAL_SYNC_INTERVAL: { group: 'telemetry', kind: 'number', min: -1, max: 86_400_000, default: 1000, doc: 'fsync policy: `always`/`0` every record; `N` ms; `never`/`-1`' },
  JOURNAL_ROTATION_MB: { group: 'telemetry', kind: 'number', min: 0.001, max: 4096, default: 16, doc: 'rotate the WAL into a segment at this size (checked on every append)' },
  TELEMETRY_ARCHIVE_LINES: { group: 'telemetry', kind: 'number', min: 1, max: 1e9, default: 100_000, doc: 'also rotate at this many records (checked when maintenance runs)' },
  COMPRESSION_LEVEL: { group: 'telemetry', kind: 'number', min: 0, max: 9, default: 6, doc: 'gzip level 0..9 (pako)' },
  JOURNAL_COMPRESSION_AGE_DAYS: { group: 'telemetry', kind: 'number', min: 0, max: 36_500, default: 1, doc: 'gzip segments older than this (0: as soon as settled)' },
  JOURNAL_RETENTION_DAYS: { group: 'telemetry', kind: 'number', min: 0, max: 36_500, default: 30, doc: 'delete segments older than this' },
  JOURNAL_MAX_MB: { group: 'telemetry', kind: 'number', min: 0.001, max: 1_048_576, default: 1024, doc: 'disk budget of the whole journal; at least 4 x `JOURNAL_ROTATION_MB`' },
  JOURNAL_MAINTENANCE_INTERVAL_S: { group: 'telemetry', kind: 'number', min: 0, max: YEAR_S, default: 300, doc: 'routine maintenance at most this often (also right after a rotation)' },
  JOURNAL_SEAL_GRACE_MS: { group: 'telemetry', kind: 'number', min: 0, max: 86_400_000, default: 60_000, doc: 'a segment is gzipped only once untouched this long' },
  // export
  OTEL_EXPORTER_OTLP_ENDPOINT: { group: 'export', kind: 'text', doc: 'collector base URL; spans go to `<url>/v1/traces`' },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: { group: 'export', kind: 'text', doc: 'full traces URL (wins over the above)' },
  OTEL_TRACES_EXPORTER: { group: 'export', kind: 'choice', choices: ['otlp', 'none'], default: 'otlp', doc: '`none` disables export even with an endpoint' },
  OTEL_EXPORTER_OTLP_HEADERS: { group: 'export', kind: 'text', tracesVariant: true, doc: '`k=v,k2=v2` request headers' },
  OTEL_EXPORTER_OTLP_TIMEOUT: { group: 'export', kind: 'number', min: 1, max: 3_600_000, default: 10_000, tracesVariant: true, doc: 'per-request timeout, ms' },
  OTEL_EXPORTER_OTLP_COMPRESSION: { group: 'export', kind: 'choice', choices: ['gzip', 'none'], default: 'none', tracesVariant: true, doc: '`gzip` or `none`' },
  OTEL_EXPORTER_OTLP_PROTOCOL: { group: 'export', kind: 'text', default: 'http/json', tracesVariant: true, doc: 'only `http/json` is sent; other values warn' },
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: { group: 'export', kind: 'number', min: 1, max: 100_000, default: 512, doc: 'spans per request' },
  OTEL_BSP_MAX_QUEUE_SIZE: { group: 'export', kind: 'number', min: 1, max: 1_000_000, default: 2048, doc: 'most spans one CLI call ships inline' },
  OTEL_BSP_EXPORT_TIMEOUT: { group: 'export', kind: 'number', min: 1, max: 3_600_000, default: 30_000, doc: 'per-batch bound of `telemetry ship`, ms' },
  TELEMETRY_EXPORT_BOUND_MS: { group: 'export', kind: 'number', min: 0, max: 60_000, default: 500, doc: 'the most a CLI call spends on inline export (loading the exporter + sending); 0 = only `telemetry ship` sends' },
  // test hooks
  SWARMFILE_INJECT_DELAY_MS: { group: 'test', kind: 'int', min: 0, max: 60_000, default: 0, doc: 'sleep this long inside every operation (regression-detection tests)' },
  SWARMFILE_INJECT: { group: 'test', kind: 'text', doc: 'slow chosen operations: `claim=25ms` sleeps 25 ms in each claim, `complete=10%` adds a tenth of its own time; comma-separated, `*` = every operation (regression-detection benchmarks)' },
  SWARMFILE_CRASH_AT: { group: 'test', kind: 'text', doc: 'SIGKILL this process at the named commit step (crash tests; steps in `src/store/file/Store.ts`); `step#N`: the Nth time it gets there' },
  SWARMFILE_STALL_AT: { group: 'test', kind: 'text', doc: 'SIGSTOP this process at the named commit step, holding its locks (stall tests); `step#N` as for the above' },
  SWARMFILE_FAIL_AT: { group: 'test', kind: 'text', doc: '`apply` makes applying a committed change fail as a full disk would' },
  SWARMFILE_CHANGE_LOG: { group: 'test', kind: 'bool', default: true, doc: '0: the file store writes no change-log events (revisions still rise): only to measure the log\'s cost; `audit` then finds every change unlogged' },
  SWARMFILE_CLOCK_OFFSET_MS: { group: 'test', kind: 'int', min: -31_536_000_000, max: 31_536_000_000, default: 0, doc: 'moves the clock that item times, leases, retries, staleness and cutoffs use by this much (tests of time rules without sleeping)' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** The variables of the given groups, in table order. */
export function settingNames(groups?: readonly SettingGroup[]): SettingName[] {
  return (Object.keys(SETTINGS) as SettingName[]).filter((name) => !groups || groups.includes(SETTINGS[name].group));
}

/** How the default reads in documentation. */
export function defaultText(name: SettingName): string {
  const s: Setting = SETTINGS[name];
  if (s.defaultText !== undefined) return s.defaultText;
  if (s.default === undefined) return '';
  if (s.kind === 'bool') return s.default ? '1' : '0';
  return typeof s.default === 'string' ? `\`${s.default}\`` : String(s.default);
}

/** The variable's name as the docs show it (`OTEL_EXPORTER_OTLP_(TRACES_)HEADERS` for a pair). */
export function displayName(name: SettingName): string {
  const s: Setting = SETTINGS[name];
  return s.tracesVariant ? name.replace('OTEL_EXPORTER_OTLP_', 'OTEL_EXPORTER_OTLP_(TRACES_)') : name;
}

/** A Markdown table of the given groups (the README's and docs/telemetry.md's). */
export function settingsMarkdown(groups: readonly SettingGroup[]): string {
  const rows = settingNames(groups).map((n) => `| \`${displayName(n)}\` | ${defaultText(n)} | ${SETTINGS[n].doc} |`);
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
