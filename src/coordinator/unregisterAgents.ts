/**
 * `unregister` and `agents --prune`: remove agents from the registry. An agent that still holds
 * live claims is refused (WRONG_STATE) unless forced; forced, its claims are released back to the
 * backlog first (recorded on each item as an operator's release), so no claim is left to an agent
 * that no longer exists.
 */
import { SwarmError } from '../errors.js';
import { parseDuration } from '../model/parseDuration.js';
import { validateName } from '../model/validate.js';
import { listAgents } from './listAgents.js';
import type { OpContext } from './OpContext.js';
import { releaseWork } from './releaseWork.js';

export interface UnregisterReport {
  removed: string[];
  /** Claims given back because of --force. */
  released: string[];
  /** Agents left in place because they hold claims and --force was not given (prune only). */
  kept: { agent_id: string; claims: string[] }[];
}

async function claimsOf(ctx: OpContext, agentId: string): Promise<string[]> {
  return (await ctx.store.list(['active'])).filter((w) => w.agent_id === agentId).map((w) => w.work_item_id);
}

async function removeFromRegistry(ctx: OpContext, ids: ReadonlySet<string>): Promise<string[]> {
  return ctx.store.updateAgents((agents) => {
    const removed = agents.filter((a) => ids.has(a.agent_id)).map((a) => a.agent_id);
    if (removed.length === 0) return { result: [] };
    return { agents: agents.filter((a) => !ids.has(a.agent_id)), result: removed };
  });
}

async function releaseAll(ctx: OpContext, agentId: string, claims: string[], report: UnregisterReport): Promise<void> {
  for (const id of claims) {
    await releaseWork(ctx, id, { force: true, reason: `agent ${agentId} unregistered by ${ctx.agentId}` });
    report.released.push(id);
  }
}

export async function unregisterAgent(ctx: OpContext, agentId: string, force = false): Promise<UnregisterReport> {
  const id = validateName('agent_id', agentId);
  const report: UnregisterReport = { removed: [], released: [], kept: [] };
  if (!(await ctx.store.agents()).some((a) => a.agent_id === id)) throw new SwarmError('NOT_FOUND', `no registered agent ${id}`, { agent_id: id });
  const claims = await claimsOf(ctx, id);
  if (claims.length && !force) {
    throw new SwarmError('WRONG_STATE', `agent ${id} holds ${claims.length} live claim(s) (${claims.join(', ')}); --force releases them back to the backlog`, { agent_id: id, claims });
  }
  await releaseAll(ctx, id, claims, report);
  report.removed = await removeFromRegistry(ctx, new Set([id]));
  return report;
}

export async function pruneAgents(ctx: OpContext, olderThan: string | number, force = false): Promise<UnregisterReport> {
  const cutoffMs = (await ctx.store.now()) - parseDuration('older_than', olderThan) * 1000;
  const report: UnregisterReport = { removed: [], released: [], kept: [] };
  const old = (await listAgents(ctx)).filter((a) => Date.parse(a.last_seen ?? a.last_heartbeat) < cutoffMs);
  const remove = new Set<string>();
  for (const a of old) {
    const claims = await claimsOf(ctx, a.agent_id);
    if (claims.length && !force) {
      report.kept.push({ agent_id: a.agent_id, claims });
      continue;
    }
    await releaseAll(ctx, a.agent_id, claims, report);
    remove.add(a.agent_id);
  }
  report.removed = remove.size ? await removeFromRegistry(ctx, remove) : [];
  return report;
}
