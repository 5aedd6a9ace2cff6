/**
 * The only module that reads the environment (through readSetting and the settings table,
 * settings.ts, where every variable's default and bounds live). Layers, later wins: the table's
 * defaults, then the environment, then explicit options (CLI flags or library options). The
 * result is frozen and passed down; telemetry settings are resolved here too, once.
 */
import { parseInjectSpec, type InjectSpec } from './coordinator/injectDelay.js';
import { SwarmError } from './errors.js';
import { currentHost } from './model/processIdentity.js';
import { readSetting, type Env } from './readSetting.js';
import { SETTINGS, type SettingName } from './settings.js';
import { resolveTelemetryConfig, type TelemetryConfig } from './telemetry/resolveTelemetryConfig.js';

export interface LockConfig {
  /** Total time to wait for one lock, ms. Env FLOCK_TIMEOUT (seconds). */
  timeoutMs: number;
  /** Attempts after the first before giving up. Env FLOCK_RETRIES. */
  retries: number;
  /** First backoff step, ms; doubles per attempt with jitter. Env FLOCK_BACKOFF_MS. */
  backoffMs: number;
  /** Largest backoff step, ms. Env FLOCK_BACKOFF_MAX_MS. */
  backoffMaxMs: number;
  /**
   * A live holder that shows no sign of life (no refresh of its lock) for this long is hung. Dead
   * holders are recognised at once, whatever this says. Env LOCK_STALE_MS.
   */
  staleMs: number;
  /**
   * What a waiter does about a hung holder on this host: `kill` (SIGKILL it, then take the lock once
   * it is gone) or `wait` (never; waiters time out until it resumes). Env LOCK_HUNG_ACTION.
   */
  hungAction: 'kill' | 'wait';
}

export interface Config {
  /** Store directory. Env COORDINATION_DIR. */
  dir: string;
  /** A PostgreSQL store's URL (used instead of `dir` when set). Env COORDINATION_URL. */
  storeUrl?: string;
  /** The host recorded on claims and registrations, and whose pids this process may check. Env AGENT_HOST. */
  agentHost: string;
  /** Telemetry journal directory. Env TELEMETRY_DIR. */
  telemetryDir: string;
  /** This process's agent id. Env AGENT_ID. */
  agentId: string | undefined;
  /** Default work id for progress/complete when none is given. Env CURRENT_WORK_ITEM. */
  currentWorkItem: string | undefined;
  /** Shard count used when a store is created; an existing store keeps its own. Env WORK_QUEUE_SHARDING. */
  shards: number;
  /** fsync every written file before rename. Env SWARMFILE_FSYNC (0/1). */
  fsync: boolean;
  /**
   * With fsync on, also fsync the store directory after renames, creates and deletes, so they
   * survive a power loss. Env SWARMFILE_FSYNC_DIR (0/1).
   */
  fsyncDir: boolean;
  lock: LockConfig;
  /** Test hook: false writes no change-log events (to measure their cost). Env SWARMFILE_CHANGE_LOG. */
  changeLog: boolean;
  /** Change log (file store): rotate a lane at this many bytes. Env EVENTS_ROTATION_MB. */
  eventsRotationBytes: number;
  /** Change log (file store): keep at most this many bytes, the oldest segments deleted first. Env EVENTS_MAX_MB. */
  eventsMaxBytes: number;
  /** Lease length of a claim, seconds. Env LEASE_TTL_SECONDS. */
  leaseTtlSeconds: number;
  /** Attempts before a failing item becomes dead. Env MAX_RETRY_ATTEMPTS. */
  maxRetryAttempts: number;
  /** First retry delay after `fail`, seconds; doubles per attempt, with jitter. Env RETRY_BACKOFF_SECONDS. */
  retryBackoffSeconds: number;
  /** Longest retry delay, seconds. Env RETRY_BACKOFF_MAX_SECONDS. */
  retryBackoffMaxSeconds: number;
  /** An agent with no heartbeat for this long is stale. Env AGENT_STALE_SECONDS. */
  agentStaleSeconds: number;
  /** claim-next and ready scan leases at most this often per store, ms. Env REAP_INTERVAL_MS. */
  reapIntervalMs: number;
  /**
   * The agent's process, recorded at claim and registration for liveness checks. Env AGENT_PID;
   * else `defaultAgentPid` (the CLI passes its parent, the agent script); else this process.
   */
  agentPid: number;
  /** Test hook: sleep this long inside every operation, to prove regression detection. Env SWARMFILE_INJECT_DELAY_MS. */
  injectDelayMs: number;
  /** Test hook: delays per operation (`claim=25ms,complete=10%`, see coordinator/injectDelay.ts). Env SWARMFILE_INJECT. */
  inject: InjectSpec;
  /** Test hook: SIGKILL this process at the named commit step (see Store.faultPoint). Env SWARMFILE_CRASH_AT. */
  crashAt: string | undefined;
  /** Test hook: SIGSTOP this process at the named commit step, holding its locks. Env SWARMFILE_STALL_AT. */
  stallAt: string | undefined;
  /** Test hook: `apply` makes applying a committed change fail as a full disk would. Env SWARMFILE_FAIL_AT. */
  failAt: string | undefined;
  /**
   * Wall-clock milliseconds for everything an item records and every deadline (leases, retries,
   * staleness, cutoffs). Date.now unless a library caller (a test, a simulation) sets its own.
   */
  clock: () => number;
  /** Telemetry and journal settings, resolved from the same environment (never failing: see its warnings). */
  telemetry: TelemetryConfig;
}

export type ConfigOverrides = Partial<Omit<Config, 'lock'>> & {
  lock?: Partial<LockConfig>;
  /** Used for agentPid when neither the override nor AGENT_PID gives one. */
  defaultAgentPid?: number;
};

export const DEFAULT_SHARDS = SETTINGS.WORK_QUEUE_SHARDING.default;
export const MAX_SHARDS = SETTINGS.WORK_QUEUE_SHARDING.max;
/** LOCK_STALE_MS below this is raised to it: a shorter silence is ordinary scheduling on a busy host. */
export const MIN_STALE_MS = 2000;

/** Date.now, moved by `offsetMs` (the SWARMFILE_CLOCK_OFFSET_MS test hook). */
function clockWithOffset(offsetMs: number): () => number {
  return offsetMs === 0 ? Date.now : () => Date.now() + offsetMs;
}

export function resolveConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Readonly<Config> {
  const read = <N extends SettingName>(name: N) => readSetting(env, name);
  const timeoutS = read('FLOCK_TIMEOUT');
  const lock: LockConfig = {
    timeoutMs: overrides.lock?.timeoutMs ?? timeoutS * 1000,
    retries: overrides.lock?.retries ?? read('FLOCK_RETRIES'),
    backoffMs: overrides.lock?.backoffMs ?? read('FLOCK_BACKOFF_MS'),
    backoffMaxMs: overrides.lock?.backoffMaxMs ?? read('FLOCK_BACKOFF_MAX_MS'),
    staleMs: Math.max(overrides.lock?.staleMs ?? read('LOCK_STALE_MS'), MIN_STALE_MS),
    hungAction: overrides.lock?.hungAction ?? (read('LOCK_HUNG_ACTION') as LockConfig['hungAction']),
  };
  const leaseTtlSeconds = overrides.leaseTtlSeconds ?? read('LEASE_TTL_SECONDS');
  const telemetryDir = overrides.telemetryDir ?? read('TELEMETRY_DIR');
  const config: Config = {
    dir: overrides.dir ?? read('COORDINATION_DIR'),
    // --dir names a file store, so it wins over a COORDINATION_URL in the environment.
    storeUrl: overrides.storeUrl ?? (overrides.dir !== undefined ? undefined : read('COORDINATION_URL') || undefined),
    agentHost: overrides.agentHost ?? (read('AGENT_HOST') || currentHost()),
    telemetryDir,
    agentId: overrides.agentId ?? read('AGENT_ID'),
    currentWorkItem: overrides.currentWorkItem ?? read('CURRENT_WORK_ITEM'),
    shards: overrides.shards ?? read('WORK_QUEUE_SHARDING'),
    fsync: overrides.fsync ?? read('SWARMFILE_FSYNC'),
    fsyncDir: overrides.fsyncDir ?? read('SWARMFILE_FSYNC_DIR'),
    lock: Object.freeze(lock),
    changeLog: overrides.changeLog ?? read('SWARMFILE_CHANGE_LOG'),
    eventsRotationBytes: overrides.eventsRotationBytes ?? Math.round(read('EVENTS_ROTATION_MB') * 1024 * 1024),
    eventsMaxBytes: overrides.eventsMaxBytes ?? Math.round(read('EVENTS_MAX_MB') * 1024 * 1024),
    leaseTtlSeconds,
    maxRetryAttempts: overrides.maxRetryAttempts ?? read('MAX_RETRY_ATTEMPTS'),
    retryBackoffSeconds: overrides.retryBackoffSeconds ?? read('RETRY_BACKOFF_SECONDS'),
    retryBackoffMaxSeconds: overrides.retryBackoffMaxSeconds ?? read('RETRY_BACKOFF_MAX_SECONDS'),
    agentStaleSeconds: overrides.agentStaleSeconds ?? read('AGENT_STALE_SECONDS') ?? leaseTtlSeconds,
    reapIntervalMs: overrides.reapIntervalMs ?? read('REAP_INTERVAL_MS'),
    agentPid: overrides.agentPid ?? read('AGENT_PID') ?? overrides.defaultAgentPid ?? process.pid,
    injectDelayMs: overrides.injectDelayMs ?? read('SWARMFILE_INJECT_DELAY_MS'),
    inject: overrides.inject ?? parseInjectSpec(read('SWARMFILE_INJECT')),
    crashAt: overrides.crashAt ?? read('SWARMFILE_CRASH_AT'),
    stallAt: overrides.stallAt ?? read('SWARMFILE_STALL_AT'),
    failAt: overrides.failAt ?? read('SWARMFILE_FAIL_AT'),
    clock: overrides.clock ?? clockWithOffset(read('SWARMFILE_CLOCK_OFFSET_MS')),
    telemetry: overrides.telemetry ?? resolveTelemetryConfig(env, telemetryDir),
  };
  if (!Number.isInteger(config.shards) || config.shards < 1 || config.shards > MAX_SHARDS) {
    throw new SwarmError('INVALID_INPUT', `shards must be a whole number from 1 to ${MAX_SHARDS}`);
  }
  return Object.freeze(config);
}
