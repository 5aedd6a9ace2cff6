import type { AgentRecord } from '../model/types.js';
import { agentLiveness, lastSeenByAgent, type Liveness } from './agentLiveness.js';
import type { OpContext } from './OpContext.js';

export interface AgentLiveness extends AgentRecord {
  /** Computed now (the stored `status` is what the last reap recorded). */
  liveness: Liveness;
  /** Whether its process runs: null when it is on another host. */
  process_alive: boolean | null;
  /** Its last sign of life: heartbeat, claim, progress or completion (not its registration). */
  last_seen: string | null;
  active_claims: number;
}

/** Registered agents with their liveness, in registration order. */
export async function listAgents(ctx: OpContext): Promise<AgentLiveness[]> {
  await ctx.store.settle();
  const registry = await ctx.store.agents();
  const claims = await ctx.store.list(['active']);
  const completed = new Map<string, string>();
  for (const [id, a] of Object.entries((await ctx.store.totals('agents')).agents)) if (a.last_completed_at) completed.set(id, a.last_completed_at);
  const seen = lastSeenByAgent(registry, claims, completed);
  const nowMs = await ctx.store.now();
  return registry.map((a) => {
    const last = seen.get(a.agent_id);
    const { liveness, alive } = agentLiveness(a, claims, last ?? 0, nowMs, ctx.config.agentStaleSeconds, ctx.config.agentHost);
    return { ...a, liveness, process_alive: alive, last_seen: last ? new Date(last).toISOString() : null, active_claims: claims.filter((w) => w.agent_id === a.agent_id).length };
  });
}
