import { SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import type { AgentRecord, WorkItem } from '../model/types.js';
import { REGISTRY_FILE, shardFile } from '../store/storeFiles.js';
import { renewedLease } from './claimFields.js';
import type { OpContext } from './OpContext.js';
import { readRegistry, readShard } from './storeShapes.js';

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
  if ((await readRegistry(ctx.store)).some((a) => a.agent_id === me)) {
    agent = await ctx.store.transact([REGISTRY_FILE], ctx.lockStats, async (view) => {
      const agents = await readRegistry(view);
      const prev = agents.find((a) => a.agent_id === me);
      if (!prev) return { result: null };
      const rec: AgentRecord = { ...prev, last_heartbeat: isoSeconds(ctx.config.clock()), status: 'active' };
      return { writes: new Map([[REGISTRY_FILE, agents.map((a) => (a === prev ? rec : a))]]), result: rec };
    });
  }
  const renewed: string[] = [];
  for (let i = 0; i < ctx.store.shards; i++) {
    if (!(await readShard(ctx.store, i)).some((w) => w.agent_id === me)) continue;
    const ids = await ctx.store.transact([shardFile(i)], ctx.lockStats, async (view) => {
      const nowMs = ctx.config.clock();
      const mine: string[] = [];
      const next = (await readShard(view, i)).map((w): WorkItem => {
        if (w.agent_id !== me) return w;
        mine.push(w.work_item_id);
        return { ...w, last_update: isoSeconds(nowMs), ...renewedLease(w, nowMs) };
      });
      return { writes: mine.length ? new Map([[shardFile(i), next]]) : undefined, result: mine };
    });
    renewed.push(...ids);
  }
  if (!agent && renewed.length === 0) {
    throw new SwarmError('NOT_FOUND', `agent ${me} is not registered and holds no claims (is AGENT_ID set?)`, { agent_id: me });
  }
  return { agent, renewed };
}
