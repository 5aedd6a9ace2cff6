import { processAlive } from '../model/processIdentity.js';
import type { AgentRecord, WorkItem } from '../model/types.js';

export type Liveness = 'active' | 'stale' | 'gone';

/**
 * `gone`: its registered process is certainly not running on this host (`localHost`: AGENT_HOST) and none of its claims'
 * processes is either (an agent registered by a setup script that exited, then working from other
 * processes, is not gone); `stale`: nothing heard from it (a heartbeat, or a claim or progress of
 * its own) for AGENT_STALE_SECONDS (counted from the end of the second its last sign was recorded
 * in); otherwise `active`.
 */
export function agentLiveness(rec: AgentRecord, claims: readonly WorkItem[], lastSeenMs: number, nowMs: number, staleSeconds: number, localHost: string): { liveness: Liveness; alive: boolean | null } {
  let alive = processAlive(rec.pid, rec.host, rec.pid_start, localHost);
  if (alive === false && claims.some((w) => w.agent_id === rec.agent_id && processAlive(w.claim_pid, w.claim_host, w.claim_pid_start, localHost) !== false)) alive = null;
  const liveness: Liveness = alive === false ? 'gone' : silentFor(lastSeenMs, nowMs, staleSeconds) ? 'stale' : 'active';
  return { liveness, alive };
}

/** Signs of life are stored to the second (isoSeconds), so one may be up to this much later than its record says. */
const SEEN_PRECISION_MS = 1000;

/** Whether nothing can have been heard for more than `staleSeconds` since the record `lastSeenMs` (never early by its rounding). */
export function silentFor(lastSeenMs: number, nowMs: number, staleSeconds: number): boolean {
  return nowMs - lastSeenMs > staleSeconds * 1000 + SEEN_PRECISION_MS;
}

/**
 * The latest sign of life per agent: registry heartbeats, updates to the claims it holds (claim,
 * progress, heartbeat), and its last completion (`lastCompleted`, from the counters).
 */
export function lastSeenByAgent(agents: readonly AgentRecord[], claims: readonly WorkItem[], lastCompleted: ReadonlyMap<string, string> = new Map()): Map<string, number> {
  const seen = new Map<string, number>();
  const bump = (id: string | null, iso: string | undefined) => {
    const t = iso ? Date.parse(iso) : Number.NaN;
    if (id && Number.isFinite(t) && t > (seen.get(id) ?? 0)) seen.set(id, t);
  };
  for (const a of agents) bump(a.agent_id, a.last_heartbeat);
  for (const w of claims) bump(w.agent_id, w.last_update);
  for (const [id, at] of lastCompleted) bump(id, at);
  return seen;
}
