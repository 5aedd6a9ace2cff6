import { generateId } from '../model/generateId.js';
import { isoSeconds } from '../model/now.js';
import { DEFAULT_PRIORITY, DEFAULT_TEAM, type Priority, type WorkItem } from '../model/types.js';
import { validateLease, validateName, validatePriority, validateText } from '../model/validate.js';
import { claimFields } from './claimFields.js';
import { noteItem, type OpContext } from './OpContext.js';

export interface ClaimInput {
  workType: string;
  description: string;
  /** critical | high | medium | low. Default medium. */
  priority?: Priority | string;
  /** Default autonomous_team (SwarmSH's default). */
  team?: string;
  /** Lease length in seconds; default LEASE_TTL_SECONDS. */
  leaseSeconds?: number;
}


/** Creates a work item already claimed by the context's agent (SwarmSH's `claim`). */
export async function claimWork(ctx: OpContext, input: ClaimInput): Promise<WorkItem> {
  const workType = validateName('work_type', input.workType);
  const description = validateText('description', input.description);
  const priority = validatePriority(input.priority ?? DEFAULT_PRIORITY);
  const team = validateName('team', input.team ?? DEFAULT_TEAM);
  const lease = validateLease(input.leaseSeconds ?? ctx.config.leaseTtlSeconds);
  const id = generateId('work');
  noteItem(ctx, id);
  return ctx.store.insertClaim((nowMs): WorkItem => ({
    work_item_id: id,
    agent_id: ctx.agentId,
    work_type: workType,
    description,
    priority,
    team,
    status: 'active',
    progress: 0,
    created_at: isoSeconds(nowMs),
    claimed_at: null,
    last_update: isoSeconds(nowMs),
    attempts: 0,
    ...claimFields(ctx.config, ctx.agentId, 0, lease, nowMs),
  }));
}
