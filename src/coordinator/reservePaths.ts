import { isSwarmError, SwarmError } from '../errors.js';
import { isoSeconds } from '../model/now.js';
import { conflictError, conflictsOf } from '../model/pathConflicts.js';
import { normalizePattern } from '../model/pathPatterns.js';
import type { ReservedPath, WorkItem } from '../model/types.js';
import { validateText, validateWorkId } from '../model/validate.js';
import { checkOwner, type OwnerProof } from './checkOwner.js';
import { withEvent } from './claimFields.js';
import { missingItemError } from './missingItemError.js';
import { noteItem, type OpContext } from './OpContext.js';
import { reapThese } from './reapClaims.js';
import { resolveScope, type PathScope } from './repoRoot.js';

/** A claim holds at most this many reservations (each is a row of the table and a line on the item). */
export const MAX_RESERVED_PATHS = 256;

export interface ReserveInput extends PathScope {
  /** A reader's reservation: it conflicts with exclusive ones only. */
  shared?: boolean;
  reason?: string;
}

export interface UnreserveReport {
  item: WorkItem;
  removed: string[];
  /** Patterns given that the claim did not hold. */
  not_held: string[];
}

/** Normalised, each once, at least one (the CLI's and the library's input rules). */
export async function normalizePatterns(patterns: readonly string[], scope: PathScope): Promise<string[]> {
  if (!Array.isArray(patterns) || patterns.length === 0) throw new SwarmError('INVALID_INPUT', 'paths: give at least one path or glob', { field: 'paths' });
  const { root, cwd } = await resolveScope(scope);
  const out = [...new Set(patterns.map((p) => normalizePattern(p, root, cwd)))];
  if (out.length > MAX_RESERVED_PATHS) throw new SwarmError('INVALID_INPUT', `paths: at most ${MAX_RESERVED_PATHS} per claim (got ${out.length})`, { field: 'paths' });
  return out;
}

/**
 * Reserves paths for the claim `workId`, all or nothing: refused with CONFLICT (every conflict in
 * details.conflicts) when one overlaps a reservation of another live claim (shared ones only
 * conflict with exclusive ones), with NOT_OWNER for a stale fencing token. Reserving a path the
 * claim holds again replaces it (shared <-> exclusive, reason).
 */
export async function reservePaths(ctx: OpContext, workId: string, patterns: readonly string[], input: ReserveInput = {}, proof: OwnerProof = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const wanted = await normalizePatterns(patterns, input);
  const reason = input.reason === undefined ? undefined : validateText('reason', input.reason);
  const shared = !!input.shared;
  noteItem(ctx, id);
  ctx.span.setAttribute('paths.count', wanted.length);
  const change = () => ctx.store.changeReservations(id, wanted, (item, others, nowMs) => {
    const forced = checkOwner(item, ctx, 'reserve paths for', proof);
    const conflicts = conflictsOf(wanted.map((path) => ({ path, shared })), others, id);
    if (conflicts.length) throw conflictError(`cannot reserve for ${id}`, conflicts);
    const kept = (item.reserved_paths ?? []).filter((r) => !wanted.includes(r.path));
    const added: ReservedPath[] = wanted.map((path) => ({ path, ...(shared ? { shared } : {}), ...(reason ? { reason } : {}), reserved_at: isoSeconds(nowMs) }));
    if (kept.length + added.length > MAX_RESERVED_PATHS) {
      throw new SwarmError('INVALID_INPUT', `paths: a claim holds at most ${MAX_RESERVED_PATHS} reservations (${id} holds ${kept.length}; ${added.length} more asked)`, { field: 'paths' });
    }
    return { ...item, reserved_paths: [...kept, ...added], ...(forced ? { events: withEvent(item, 'reserve', ctx.agentId, nowMs, { forced }) } : {}) };
  });
  let outcome;
  try {
    outcome = await change();
  } catch (err) {
    // Claims in the way whose lease expired or whose process is gone are reaped, and it is tried once more.
    const holders = isSwarmError(err, 'CONFLICT') ? ((err.details?.conflicts ?? []) as { work_item_id: string }[]).map((c) => c.work_item_id) : [];
    if (!holders.length || (await reapThese(ctx, holders)).length === 0) throw err;
    outcome = await change();
  }
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'reserve paths for', 'claimed', ctx.agentId);
  return outcome.item;
}

/** Gives up reservations of the claim `workId` (`patterns` as reserved; null: all of them). */
export async function unreservePaths(ctx: OpContext, workId: string, patterns: readonly string[] | null, scope: PathScope = {}, proof: OwnerProof = {}): Promise<UnreserveReport> {
  const id = validateWorkId(workId);
  const given = patterns === null ? null : await normalizePatterns(patterns, scope);
  noteItem(ctx, id);
  let removed: string[] = [];
  let notHeld: string[] = [];
  const outcome = await ctx.store.changeReservations(id, [], (item, _others, nowMs) => {
    const forced = checkOwner(item, ctx, 'unreserve paths of', proof);
    const held = item.reserved_paths ?? [];
    const drop = new Set(given ?? held.map((r) => r.path));
    removed = held.filter((r) => drop.has(r.path)).map((r) => r.path);
    notHeld = (given ?? []).filter((p) => !removed.includes(p));
    const { reserved_paths: _old, ...rest } = item;
    const left = held.filter((r) => !drop.has(r.path));
    return { ...rest, ...(left.length ? { reserved_paths: left } : {}), ...(forced ? { events: withEvent(item, 'unreserve', ctx.agentId, nowMs, { forced }) } : {}) };
  });
  if (outcome.status !== 'moved') throw await missingItemError(ctx.store, id, 'unreserve paths of', 'claimed', ctx.agentId);
  return { item: outcome.item, removed, not_held: notHeld };
}
