import { SwarmError } from '../errors.js';
import { generateId } from '../model/generateId.js';
import { isoSeconds } from '../model/now.js';
import { DEFAULT_PRIORITY, DEFAULT_TEAM, type WorkItem } from '../model/types.js';
import { validateName, validatePriority, validateText, validateWorkId } from '../model/validate.js';
import type { ClaimInput } from './claimWork.js';
import { noteItem, type OpContext } from './OpContext.js';
import type { PathScope } from './repoRoot.js';
import { normalizePatterns } from './reservePaths.js';

export interface AddInput extends Omit<ClaimInput, 'leaseSeconds'>, PathScope {
  /** Items that must be completed before this one may be claimed. */
  dependsOn?: readonly string[];
  /** Paths or globs the item will touch: claim-next hands it out only when none conflicts with a live reservation, and reserves them with the claim. */
  paths?: readonly string[];
}

export const MAX_DEPENDENCIES = 64;

/**
 * Enqueues an unclaimed item at the tail of its priority's backlog, or, when some dependency is
 * not completed yet, in the waiting list. The store decides under its locks, so a completion
 * cannot slip between the check and the write (see completeWork).
 */
export async function addWork(ctx: OpContext, input: AddInput): Promise<WorkItem> {
  const workType = validateName('work_type', input.workType);
  const description = validateText('description', input.description);
  const priority = validatePriority(input.priority ?? DEFAULT_PRIORITY);
  const team = validateName('team', input.team ?? DEFAULT_TEAM);
  const paths = input.paths === undefined || input.paths.length === 0 ? [] : await normalizePatterns(input.paths, input);
  const deps = [...new Set((input.dependsOn ?? []).map((d) => validateWorkId(d)))];
  if (deps.length > MAX_DEPENDENCIES) throw new SwarmError('INVALID_INPUT', `depends_on: at most ${MAX_DEPENDENCIES} dependencies (got ${deps.length})`, { field: 'depends_on' });
  // Dependencies must exist. One seen finished and completed now but missing from its log under
  // the lock was archived by `cleanup` meanwhile: it counts as completed.
  const archivedDone = new Set<string>();
  for (const dep of deps) {
    const found = await ctx.store.find(dep);
    if (!found) throw new SwarmError('NOT_FOUND', `depends_on: no work item ${dep}`, { field: 'depends_on', work_item_id: dep });
    if (found.item.status === 'cancelled') throw new SwarmError('WRONG_STATE', `depends_on: ${dep} was cancelled, so this item could never run`, { field: 'depends_on', work_item_id: dep });
    if ((found.place === 'archived' || found.place === 'finished') && found.item.status === 'completed') archivedDone.add(dep);
  }
  const id = generateId('work');
  noteItem(ctx, id);
  const now = isoSeconds(ctx.config.clock());
  const base: WorkItem = {
    work_item_id: id,
    agent_id: null,
    work_type: workType,
    description,
    priority,
    team,
    status: 'pending',
    progress: 0,
    created_at: now,
    claimed_at: null,
    last_update: now,
    attempts: 0,
    fencing_token: 0,
    ...(deps.length ? { depends_on: deps } : {}),
    ...(paths.length ? { paths } : {}),
  };
  return ctx.store.enqueue(base, deps, (finished) => {
    let pending = false;
    for (const dep of deps) {
      const rec = finished.get(dep);
      if (!rec && archivedDone.has(dep)) continue;
      if (rec?.status === 'cancelled') throw new SwarmError('WRONG_STATE', `depends_on: ${dep} was cancelled, so this item could never run`, { field: 'depends_on', work_item_id: dep });
      if (rec?.status !== 'completed') pending = true;
    }
    return pending ? 'waiting' : 'backlog';
  });
}
