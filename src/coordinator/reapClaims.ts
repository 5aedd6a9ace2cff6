import { isoSeconds } from '../model/now.js';
import { processAlive } from '../model/processIdentity.js';
import type { WorkItem } from '../model/types.js';
import { agentLiveness, lastSeenByAgent, silentFor } from './agentLiveness.js';
import { MAX_EVENTS, unclaimedFields } from './claimFields.js';
import type { OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';
import { unlessDamaged } from '../store/containDamage.js';

export interface ReapReport {
  /** Claims returned to the backlog, with why. */
  reaped: { work_item_id: string; agent_id: string | null; reason: string }[];
  /** Registered agents whose recorded status changed (active, stale, gone). */
  agents: { agent_id: string; status: string }[];
  /** Waiting items whose dependencies were found completed. */
  promoted: number;
  /** Rows of ended claims' reservations dropped from the reservation table. */
  swept_reservations: number;
}

/** Why a claim should go back to the backlog now, or null. */
function reapReason(item: WorkItem, nowMs: number, staleAgents: ReadonlySet<string>, localHost: string): string | null {
  if (item.lease_expires_at && Date.parse(item.lease_expires_at) <= nowMs) return 'lease_expired';
  if (processAlive(item.claim_pid, item.claim_host, item.claim_pid_start, localHost) === false) return 'process_gone';
  if (item.agent_id && staleAgents.has(item.agent_id)) return 'agent_stale';
  return null;
}

/**
 * Returns to the backlog every claim whose lease expired, whose process is gone from this host,
 * or whose registered agent went stale; its attempt count goes up and the reason is kept in
 * `failures`. Also records agents' liveness in the registry and promotes waiting items.
 * Reads are lock-free; each move re-checks under the locks that the claim is the same one
 * (fencing token) and still reclaimable, so concurrent reapers and late heartbeats are safe.
 */
export async function reapClaims(ctx: OpContext): Promise<ReapReport> {
  const report: ReapReport = { reaped: [], agents: [], promoted: 0, swept_reservations: 0 };
  // A damaged part of the store is skipped: claims everywhere else are still reaped.
  const claims = await ctx.store.list(['active'], 'reap');
  const registry = await ctx.store.agents('reap');
  // The store's time (a database's clock), as the decision under the lock will use.
  const nowMs = await ctx.store.now();
  const stale = new Set<string>();
  if (registry.length) {
    const seen = lastSeenByAgent(registry, claims);
    const changes = new Map<string, string>();
    for (const a of registry) {
      const { liveness } = agentLiveness(a, claims, seen.get(a.agent_id) ?? 0, nowMs, ctx.config.agentStaleSeconds, ctx.config.agentHost);
      // Only silence reclaims an agent's claims here; a dead process is judged per claim (claim_pid).
      if (liveness === 'stale') stale.add(a.agent_id);
      if (a.status !== liveness) changes.set(a.agent_id, liveness);
    }
    if (changes.size) {
      await ctx.store.updateAgents((agents) => ({ agents: agents.map((a) => (changes.has(a.agent_id) ? { ...a, status: changes.get(a.agent_id)! } : a)), result: null }));
      for (const [agent_id, status] of changes) report.agents.push({ agent_id, status });
    }
  }
  for (const w of claims) {
    const reaped = await reapOne(ctx, w, nowMs, stale);
    if (reaped) report.reaped.push(reaped);
  }
  report.promoted = await unlessDamaged('reap', () => promoteWaiting(ctx), 0);
  // Reservations ended with their claims; rows a crash left in the table go now.
  report.swept_reservations = await unlessDamaged('reap', () => ctx.store.sweepReservations(), 0);
  ctx.span.setAttribute('reap.reaped', report.reaped.length);
  return report;
}

/** Returns one claim to the backlog if it is reclaimable now (re-checked under the lock: same token, still due). */
async function reapOne(ctx: OpContext, w: WorkItem, nowMs: number, stale: ReadonlySet<string>): Promise<ReapReport['reaped'][number] | null> {
  const reason = reapReason(w, nowMs, stale, ctx.config.agentHost);
  if (!reason) return null;
  const outcome = await unlessDamaged('reap', () => ctx.store.move(w.work_item_id, ['active'], (item, now) => {
    if (item.fencing_token !== w.fencing_token || reapReason(item, now, stale, ctx.config.agentHost) === null) return null;
    const attempt = { at: isoSeconds(now), outcome: reason, agent_id: item.agent_id, fencing_token: item.fencing_token ?? 0 };
    return { to: 'backlog', event: 'reaped', item: { ...item, ...unclaimedFields(now), attempts: (item.attempts ?? 0) + 1, failures: [...(item.failures ?? []), attempt].slice(-MAX_EVENTS) } };
  }), null);
  return outcome?.status === 'moved' ? { work_item_id: w.work_item_id, agent_id: w.agent_id, reason } : null;
}

/**
 * Reaps just these claims when they are reclaimable (lease expired, process gone, agent stale):
 * what is in the way of a reservation or a commit is looked at, not every claim. Returns the ids
 * reaped. Whether an agent went stale depends on all its claims, so when a holder's registered
 * agent has been silent on the registry and on this claim for AGENT_STALE_SECONDS, the full scan
 * decides, at most once per REAP_INTERVAL_MS across all processes (maybeReap): an agent that is
 * alive through another claim costs no more than that.
 */
export async function reapThese(ctx: OpContext, ids: readonly string[]): Promise<string[]> {
  const reaped: string[] = [];
  const kept: WorkItem[] = [];
  const nowMs = await ctx.store.now();
  for (const id of new Set(ids)) {
    const found = await ctx.store.find(id);
    if (found?.place !== 'active') continue;
    if (await reapOne(ctx, found.item, nowMs, new Set())) reaped.push(id);
    else kept.push(found.item);
  }
  if (kept.length && (await maybeStale(ctx, kept, nowMs))) {
    const scan = new Set((await maybeReap(ctx))?.reaped.map((r) => r.work_item_id) ?? []);
    reaped.push(...kept.filter((w) => scan.has(w.work_item_id)).map((w) => w.work_item_id));
  }
  return reaped;
}

/** Whether the agent of one of `claims` is registered and, by what the registry and these claims say, stale. */
async function maybeStale(ctx: OpContext, claims: readonly WorkItem[], nowMs: number): Promise<boolean> {
  const holders = new Set(claims.map((w) => w.agent_id));
  const registry = (await ctx.store.agents('reap')).filter((a) => holders.has(a.agent_id));
  const seen = lastSeenByAgent(registry, claims);
  return registry.some((a) => silentFor(seen.get(a.agent_id) ?? 0, nowMs, ctx.config.agentStaleSeconds));
}

/** reapClaims at most once per REAP_INTERVAL_MS across all processes (claim-next, ready). */
export async function maybeReap(ctx: OpContext): Promise<ReapReport | null> {
  if (!(await ctx.store.reapDue(ctx.config.reapIntervalMs))) return null;
  return reapClaims(ctx);
}
