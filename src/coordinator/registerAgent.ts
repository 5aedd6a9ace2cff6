import { isoSeconds } from '../model/now.js';
import { processStartTime } from '../model/processIdentity.js';
import { DEFAULT_TEAM, type AgentRecord } from '../model/types.js';
import { validateCapacity, validateName } from '../model/validate.js';
import type { OpContext } from './OpContext.js';

export interface RegisterInput {
  agentId: string;
  team?: string;
  /** Whole number 1..10000, default 100 (SwarmSH's default). */
  capacity?: number;
  /** Default `general_development`. */
  specialization?: string;
}

/**
 * Adds an agent to the registry (agent_status.json in the file store), or refreshes it when already registered. The pid recorded is
 * the agent's process (AGENT_PID; from the CLI, the calling script), used for liveness.
 */
export async function registerAgent(ctx: OpContext, input: RegisterInput): Promise<AgentRecord> {
  const agentId = validateName('agent_id', input.agentId);
  const team = validateName('team', input.team ?? DEFAULT_TEAM);
  const capacity = validateCapacity(input.capacity ?? 100);
  const specialization = validateName('specialization', input.specialization ?? 'general_development');
  ctx.span.setAttribute('agent.id', agentId);
  return ctx.store.updateAgents((agents, nowMs) => {
    const now = isoSeconds(nowMs);
    const prev = agents.find((a) => a.agent_id === agentId);
    const rec: AgentRecord = {
      agent_id: agentId,
      team,
      capacity,
      specialization,
      status: 'active',
      registered_at: prev?.registered_at ?? now,
      last_heartbeat: now,
      pid: ctx.config.agentPid,
      host: ctx.config.agentHost,
      pid_start: processStartTime(ctx.config.agentPid),
    };
    const next = prev ? agents.map((a) => (a.agent_id === agentId ? rec : a)) : [...agents, rec];
    return { agents: next, result: rec };
  });
}
