/**
 * The only module that reads the environment. Layers, later wins: DEFAULTS, then environment,
 * then explicit options (CLI flags or library options). The result is frozen and passed down.
 */
import { SwarmError } from './errors.js';

export interface LockConfig {
  /** Total time to wait for one lock, ms. Env FLOCK_TIMEOUT (seconds). Default 30 s. */
  timeoutMs: number;
  /** Attempts after the first before giving up. Env FLOCK_RETRIES. Default 10000 (time usually bounds first). */
  retries: number;
  /** First backoff step, ms; doubles per attempt with jitter. Env FLOCK_BACKOFF_MS. Default 2. */
  backoffMs: number;
  /** Largest backoff step, ms. Env FLOCK_BACKOFF_MAX_MS. Default 100. */
  backoffMaxMs: number;
  /**
   * A live holder that shows no sign of life (no refresh of its lock) for this long is hung. Dead
   * holders are recognised at once, whatever this says. Env LOCK_STALE_MS. Default 30000, minimum 2000.
   */
  staleMs: number;
  /**
   * What a waiter does about a hung holder on this host: `kill` (SIGKILL it, then take the lock once
   * it is gone) or `wait` (never; waiters time out until it resumes). Env LOCK_HUNG_ACTION. Default kill.
   */
  hungAction: 'kill' | 'wait';
}

export interface Config {
  /** Store directory. Env COORDINATION_DIR. Default ./agent_coordination. */
  dir: string;
  /** Telemetry journal directory. Env TELEMETRY_DIR. Default ./telemetry. */
  telemetryDir: string;
  /** This process's agent id. Env AGENT_ID. Default agent_<nanoseconds> (fresh per process). */
  agentId: string | undefined;
  /** Default work id for progress/complete when none is given. Env CURRENT_WORK_ITEM. */
  currentWorkItem: string | undefined;
  /** Shard count used when a store is created; an existing store keeps its own. Env WORK_QUEUE_SHARDING. Default 16 (chosen from the shard sweep in `make benchmark`). */
  shards: number;
  /** fsync every written file before rename. Env SWARMFILE_FSYNC (0/1). Default on. */
  fsync: boolean;
  /**
   * With fsync on, also fsync the store directory after renames, creates and deletes, so they
   * survive a power loss. Env SWARMFILE_FSYNC_DIR (0/1). Default on; off only to measure its cost.
   */
  fsyncDir: boolean;
  lock: LockConfig;
  /** Lease length of a claim, seconds. Env LEASE_TTL_SECONDS. Default 300. */
  leaseTtlSeconds: number;
  /** Attempts before a failing item becomes dead. Env MAX_RETRY_ATTEMPTS. Default 3. */
  maxRetryAttempts: number;
  /** First retry delay after `fail`, seconds; doubles per attempt, with jitter. Env RETRY_BACKOFF_SECONDS. Default 5. */
  retryBackoffSeconds: number;
  /** Longest retry delay, seconds. Env RETRY_BACKOFF_MAX_SECONDS. Default 900. */
  retryBackoffMaxSeconds: number;
  /** An agent with no heartbeat for this long is stale. Env AGENT_STALE_SECONDS. Default: the lease TTL. */
  agentStaleSeconds: number;
  /** claim-next and ready scan leases at most this often per store, ms. Env REAP_INTERVAL_MS. Default 1000. */
  reapIntervalMs: number;
  /**
   * The agent's process, recorded at claim and registration for liveness checks. Env AGENT_PID;
   * else `defaultAgentPid` (the CLI passes its parent, the agent script); else this process.
   */
  agentPid: number;
  /** Test hook: sleep this long inside every operation, to prove regression detection. Env SWARMFILE_INJECT_DELAY_MS. Default 0. */
  injectDelayMs: number;
  /** Test hook: SIGKILL this process at the named commit step (see Store.faultPoint). Env SWARMFILE_CRASH_AT. */
  crashAt: string | undefined;
  /** Test hook: SIGSTOP this process at the named commit step, holding its locks. Env SWARMFILE_STALL_AT. */
  stallAt: string | undefined;
  /** Test hook: `apply` makes applying a committed change fail as a full disk would. Env SWARMFILE_FAIL_AT. */
  failAt: string | undefined;
  /** Raw environment snapshot handed to sub-systems that resolve their own keys (telemetry). */
  env: Readonly<Record<string, string | undefined>>;
}

export type ConfigOverrides = Partial<Omit<Config, 'lock' | 'env'>> & {
  lock?: Partial<LockConfig>;
  /** Used for agentPid when neither the override nor AGENT_PID gives one. */
  defaultAgentPid?: number;
};

export const DEFAULT_SHARDS = 16;
export const MAX_SHARDS = 256;

function intFromEnv(env: Record<string, string | undefined>, key: string, min: number, max: number): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new SwarmError('INVALID_INPUT', `${key} must be a whole number, got ${JSON.stringify(raw)}`, { key });
  const n = Number(raw.trim());
  if (n < min || n > max) throw new SwarmError('INVALID_INPUT', `${key} must be between ${min} and ${max}, got ${n}`, { key });
  return n;
}

function numberFromEnv(env: Record<string, string | undefined>, key: string, min: number, max: number): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw.trim());
  if (!Number.isFinite(n) || raw.trim() === '') throw new SwarmError('INVALID_INPUT', `${key} must be a number, got ${JSON.stringify(raw)}`, { key });
  if (n < min || n > max) throw new SwarmError('INVALID_INPUT', `${key} must be between ${min} and ${max}, got ${n}`, { key });
  return n;
}

function boolFromEnv(env: Record<string, string | undefined>, key: string): boolean | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new SwarmError('INVALID_INPUT', `${key} must be 0 or 1, got ${JSON.stringify(raw)}`, { key });
}

export function resolveConfig(overrides: ConfigOverrides = {}, env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const timeoutS = numberFromEnv(env, 'FLOCK_TIMEOUT', 0, 86_400);
  const staleMs = Math.max(overrides.lock?.staleMs ?? intFromEnv(env, 'LOCK_STALE_MS', 0, 3_600_000) ?? 30_000, 2000);
  const hungRaw = env.LOCK_HUNG_ACTION || 'kill';
  if (hungRaw !== 'kill' && hungRaw !== 'wait') throw new SwarmError('INVALID_INPUT', `LOCK_HUNG_ACTION must be kill or wait, got ${JSON.stringify(hungRaw)}`, { key: 'LOCK_HUNG_ACTION' });
  const lock: LockConfig = {
    timeoutMs: overrides.lock?.timeoutMs ?? (timeoutS === undefined ? 30_000 : timeoutS * 1000),
    retries: overrides.lock?.retries ?? intFromEnv(env, 'FLOCK_RETRIES', 0, 1_000_000) ?? 10_000,
    backoffMs: overrides.lock?.backoffMs ?? intFromEnv(env, 'FLOCK_BACKOFF_MS', 1, 60_000) ?? 2,
    backoffMaxMs: overrides.lock?.backoffMaxMs ?? intFromEnv(env, 'FLOCK_BACKOFF_MAX_MS', 1, 600_000) ?? 100,
    staleMs,
    hungAction: overrides.lock?.hungAction ?? hungRaw,
  };
  const config: Config = {
    dir: overrides.dir ?? (env.COORDINATION_DIR || './agent_coordination'),
    telemetryDir: overrides.telemetryDir ?? (env.TELEMETRY_DIR || './telemetry'),
    agentId: overrides.agentId ?? (env.AGENT_ID || undefined),
    currentWorkItem: overrides.currentWorkItem ?? (env.CURRENT_WORK_ITEM || undefined),
    shards: overrides.shards ?? intFromEnv(env, 'WORK_QUEUE_SHARDING', 1, MAX_SHARDS) ?? DEFAULT_SHARDS,
    fsync: overrides.fsync ?? boolFromEnv(env, 'SWARMFILE_FSYNC') ?? true,
    fsyncDir: overrides.fsyncDir ?? boolFromEnv(env, 'SWARMFILE_FSYNC_DIR') ?? true,
    lock: Object.freeze(lock),
    leaseTtlSeconds: overrides.leaseTtlSeconds ?? intFromEnv(env, 'LEASE_TTL_SECONDS', 1, 31_536_000) ?? 300,
    maxRetryAttempts: overrides.maxRetryAttempts ?? intFromEnv(env, 'MAX_RETRY_ATTEMPTS', 1, 1000) ?? 3,
    retryBackoffSeconds: overrides.retryBackoffSeconds ?? numberFromEnv(env, 'RETRY_BACKOFF_SECONDS', 0, 86_400) ?? 5,
    retryBackoffMaxSeconds: overrides.retryBackoffMaxSeconds ?? numberFromEnv(env, 'RETRY_BACKOFF_MAX_SECONDS', 0, 31_536_000) ?? 900,
    agentStaleSeconds: 0, // set below from the lease TTL when not given
    reapIntervalMs: overrides.reapIntervalMs ?? intFromEnv(env, 'REAP_INTERVAL_MS', 0, 3_600_000) ?? 1000,
    agentPid: overrides.agentPid ?? intFromEnv(env, 'AGENT_PID', 1, 2 ** 31 - 1) ?? overrides.defaultAgentPid ?? process.pid,
    injectDelayMs: overrides.injectDelayMs ?? intFromEnv(env, 'SWARMFILE_INJECT_DELAY_MS', 0, 60_000) ?? 0,
    crashAt: overrides.crashAt ?? (env.SWARMFILE_CRASH_AT || undefined),
    stallAt: overrides.stallAt ?? (env.SWARMFILE_STALL_AT || undefined),
    failAt: overrides.failAt ?? (env.SWARMFILE_FAIL_AT || undefined),
    env: Object.freeze({ ...env }),
  };
  config.agentStaleSeconds = overrides.agentStaleSeconds ?? intFromEnv(env, 'AGENT_STALE_SECONDS', 1, 31_536_000) ?? config.leaseTtlSeconds;
  if (!Number.isInteger(config.shards) || config.shards < 1 || config.shards > MAX_SHARDS) {
    throw new SwarmError('INVALID_INPUT', `shards must be a whole number from 1 to ${MAX_SHARDS}`);
  }
  return Object.freeze(config);
}
