import { SwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import { wholeNumber } from '../model/validate.js';
import type { OpContext } from './OpContext.js';

/** How a caller proves it may act on a claim. */
export interface OwnerProof {
  /** The fencing token the caller got at claim time; when given it must be the item's current one. */
  token?: number;
  /** Operators: act on someone else's claim. Recorded on the item as a forced event. */
  force?: boolean;
}

export function parseToken(value: unknown): number | undefined {
  return value === undefined ? undefined : wholeNumber('token', value);
}

/**
 * Throws NOT_OWNER unless the context's agent holds the claim (with the current token, when one is given),
 * or `force` is set. Returns true when the action goes through only because of --force.
 */
export function checkOwner(item: WorkItem, ctx: OpContext, action: string, proof: OwnerProof = {}): boolean {
  const agentId = ctx.agentId;
  const token = parseToken(proof.token);
  const tokenOk = token === undefined || token === (item.fencing_token ?? 0);
  if (item.agent_id === agentId && tokenOk) return false;
  if (proof.force) return true;
  if (item.agent_id !== agentId) {
    const hint = ctx.config.agentId === undefined ? ' (AGENT_ID is not set, so every call gets a fresh id: export AGENT_ID)' : '';
    throw new SwarmError('NOT_OWNER', `cannot ${action} ${item.work_item_id}: it is claimed by ${item.agent_id ?? 'nobody'}, not ${agentId}${hint}; operators may use --force`, {
      work_item_id: item.work_item_id,
      owner: item.agent_id,
      fencing_token: item.fencing_token,
    });
  }
  const why =
    (token ?? 0) > (item.fencing_token ?? 0)
      ? `fencing token ${token} was never issued for it (the current token is ${item.fencing_token ?? 0}; tokens come from claim-next --json)`
      : `fencing token ${token} is stale (the item was claimed again since; the current token is ${item.fencing_token})`;
  throw new SwarmError('NOT_OWNER', `cannot ${action} ${item.work_item_id}: ${why}`, {
    work_item_id: item.work_item_id,
    owner: item.agent_id,
    fencing_token: item.fencing_token,
  });
}
