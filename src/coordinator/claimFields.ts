import type { Config } from '../config.js';
import { isoMs, isoSeconds } from '../model/now.js';
import { processStartTime } from '../model/processIdentity.js';
import type { WorkItem } from '../model/types.js';

/** Claim bookkeeping set whenever an agent takes an item: owner, lease, process identity, token. */
export function claimFields(config: Readonly<Config>, agentId: string, previousToken: number | undefined, leaseSeconds: number, nowMs = config.clock()): Partial<WorkItem> {
  return {
    agent_id: agentId,
    status: 'active',
    claimed_at: isoSeconds(nowMs),
    last_update: isoSeconds(nowMs),
    fencing_token: (previousToken ?? 0) + 1,
    lease_ttl_seconds: leaseSeconds,
    lease_expires_at: isoMs(nowMs + leaseSeconds * 1000),
    claim_pid: config.agentPid,
    claim_host: config.agentHost,
    claim_pid_start: processStartTime(config.agentPid),
    retry_at: null,
  };
}

/** A claim of an item that declares paths (add --paths) reserves them, exclusively, with the claim. */
export function declaredReservations(item: WorkItem, nowMs: number): Partial<WorkItem> {
  return item.paths?.length ? { reserved_paths: item.paths.map((path) => ({ path, reserved_at: isoSeconds(nowMs) })) } : {};
}

/** Back in the backlog: no owner, no lease; `attempts` and `fencing_token` are kept. */
export function unclaimedFields(nowMs: number): Partial<WorkItem> {
  return {
    agent_id: null,
    status: 'pending',
    progress: 0,
    claimed_at: null,
    last_update: isoSeconds(nowMs),
    lease_expires_at: null,
    claim_pid: null,
    claim_host: null,
    claim_pid_start: null,
  };
}

/** The lease after a heartbeat or progress report. */
export function renewedLease(item: WorkItem, nowMs: number): Partial<WorkItem> {
  const ttl = item.lease_ttl_seconds;
  return ttl ? { lease_expires_at: isoMs(nowMs + ttl * 1000) } : {};
}

/** Keeps the last few events so a flapping item cannot grow without bound. */
export const MAX_EVENTS = 50;
export function withEvent(item: WorkItem, event: string, by: string, nowMs: number, extra: { forced?: boolean; reason?: string } = {}): WorkItem['events'] {
  const e = { at: isoSeconds(nowMs), event, by, ...(extra.forced ? { forced: true } : {}), ...(extra.reason ? { reason: extra.reason } : {}) };
  return [...(item.events ?? []), e].slice(-MAX_EVENTS);
}
