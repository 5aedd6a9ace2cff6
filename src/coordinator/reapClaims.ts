import { isoSeconds } from '../model/now.js';
import { processAlive } from '../model/processIdentity.js';
import type { WorkItem } from '../model/types.js';
import { REAP_STAMP, REGISTRY_FILE, shardFile } from '../store/storeFiles.js';
import { agentLiveness, lastSeenByAgent } from './agentLiveness.js';
import { MAX_EVENTS, unclaimedFields } from './claimFields.js';
import { moveToBacklog } from './moveToBacklog.js';
import type { OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';
import { readRegistry, readShard } from './storeShapes.js';
import { unlessDamaged } from './containDamage.js';

export interface ReapReport {
  /** Claims returned to the backlog, with why. */
  reaped: { work_item_id: string; agent_id: string | null; reason: string }[];
  /** Registered agents whose recorded status changed (active, stale, gone). */
  agents: { agent_id: string; status: string }[];
  /** Waiting items whose dependencies were found completed. */
  promoted: number;
}

/** Why a claim should go back to the backlog now, or null. */
function reapReason(item: WorkItem, nowMs: number, staleAgents: ReadonlySet<string>): string | null {
  if (item.lease_expires_at && Date.parse(item.lease_expires_at) <= nowMs) return 'lease_expired';
  if (processAlive(item.claim_pid, item.claim_host, item.claim_pid_start) === false) return 'process_gone';
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
  const report: ReapReport = { reaped: [], agents: [], promoted: 0 };
  // A damaged shard is skipped: claims in every other shard are still reaped.
  const shards = await Promise.all(Array.from({ length: ctx.store.shards }, (_, i) => unlessDamaged('reap', () => readShard(ctx.store, i), [])));
  const registry = await unlessDamaged('reap', () => readRegistry(ctx.store), []);
  const nowMs = ctx.config.clock();
  const stale = new Set<string>();
  if (registry.length) {
    const claims = shards.flat();
    const seen = lastSeenByAgent(registry, claims);
    const changes = new Map<string, string>();
    for (const a of registry) {
      const { liveness } = agentLiveness(a, claims, seen.get(a.agent_id) ?? 0, nowMs, ctx.config.agentStaleSeconds);
      // Only silence reclaims an agent's claims here; a dead process is judged per claim (claim_pid).
      if (liveness === 'stale') stale.add(a.agent_id);
      if (a.status !== liveness) changes.set(a.agent_id, liveness);
    }
    if (changes.size) {
      await ctx.store.transact([REGISTRY_FILE], ctx.lockStats, async (view) => {
        const agents = await readRegistry(view);
        const next = agents.map((a) => (changes.has(a.agent_id) ? { ...a, status: changes.get(a.agent_id)! } : a));
        return { writes: new Map([[REGISTRY_FILE, next]]), result: null };
      });
      for (const [agent_id, status] of changes) report.agents.push({ agent_id, status });
    }
  }
  for (const [i, items] of shards.entries()) {
    for (const w of items) {
      const reason = reapReason(w, nowMs, stale);
      if (!reason) continue;
      const moved = await unlessDamaged('reap', () => moveToBacklog(
        ctx,
        shardFile(i),
        w.work_item_id,
        (item) => {
          if (item.fencing_token !== w.fencing_token || reapReason(item, ctx.config.clock(), stale) === null) return null;
          const attempt = { at: isoSeconds(ctx.config.clock()), outcome: reason, agent_id: item.agent_id, fencing_token: item.fencing_token ?? 0 };
          return { ...item, ...unclaimedFields(ctx.config.clock()), attempts: (item.attempts ?? 0) + 1, failures: [...(item.failures ?? []), attempt].slice(-MAX_EVENTS) };
        },
        null,
      ), null);
      if (moved) report.reaped.push({ work_item_id: w.work_item_id, agent_id: w.agent_id, reason });
    }
  }
  report.promoted = await unlessDamaged('reap', () => promoteWaiting(ctx), 0);
  ctx.span.setAttribute('reap.reaped', report.reaped.length);
  return report;
}

/** reapClaims at most once per REAP_INTERVAL_MS across all processes (claim-next, ready). */
export async function maybeReap(ctx: OpContext): Promise<ReapReport | null> {
  if (!(await ctx.store.claimStamp(REAP_STAMP, ctx.config.reapIntervalMs))) return null;
  return reapClaims(ctx);
}
