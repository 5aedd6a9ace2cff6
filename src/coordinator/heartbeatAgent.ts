import { SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import type { AgentRecord } from '../model/types.js';
import { renewedLease } from './claimFields.js';
import type { OpContext } from './OpContext.js';

export interface AgentHeartbeat {
  agent: AgentRecord | null;
  /** Claims whose leases were renewed. */
  renewed: string[];
}

/**
 * The agent says it is alive: its registry entry (if registered) gets a fresh last_heartbeat and
 * status active, and the lease of every claim it holds is renewed. Refused (NOT_FOUND) when the
 * agent is neither registered nor holding any claim, which usually means AGENT_ID is wrong.
 */
export async function heartbeatAgent(ctx: OpContext): Promise<AgentHeartbeat> {
  const me = ctx.agentId;
  let agent: AgentRecord | null = null;
  if ((await ctx.store.agents()).some((a) => a.agent_id === me)) {
    agent = await ctx.store.updateAgents((agents, nowMs) => {
      const prev = agents.find((a) => a.agent_id === me);
      if (!prev) return { result: null };
      const rec: AgentRecord = { ...prev, last_heartbeat: isoSeconds(nowMs), status: 'active' };
      return { agents: agents.map((a) => (a === prev ? rec : a)), result: rec };
    });
  }
  const renewed = await ctx.store.renewClaims(me, (w, nowMs) => ({ ...w, last_update: isoSeconds(nowMs), ...renewedLease(w, nowMs) }));
  if (!agent && renewed.length === 0) {
    throw new SwarmError('NOT_FOUND', `agent ${me} is not registered and holds no claims (is AGENT_ID set?)`, { agent_id: me });
  }
  return { agent, renewed };
}
