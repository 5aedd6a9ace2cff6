import { SwarmError } from '../errors.js';
import { fileConflicts, type Conflict } from '../model/pathConflicts.js';
import { normalizeFile, normalizePattern, patternsOverlap } from '../model/pathPatterns.js';
import type { LiveReservation } from '../model/types.js';
import type { OpContext } from './OpContext.js';
import { maybeReap, reapThese } from './reapClaims.js';
import { resolveScope, type PathScope } from './repoRoot.js';

export interface CheckPathsReport {
  /** The files checked, relative to the root. */
  files: string[];
  /** Each file another agent's live claim has reserved, with the reservation. */
  conflicts: Conflict[];
}

/**
 * Whether the context's agent may write `files`: a file matched by a live reservation of another
 * agent's claim (shared or exclusive) is a conflict. Reads without locks. A claim in the way whose
 * lease expired, whose process is gone or whose agent went stale is reaped (it goes back to the
 * backlog, its reservations end) and the check made again, so a dead agent's reservations do not
 * hold anyone up (reapThese: only those claims are looked at, unless staleness needs the full scan).
 */
export async function checkPaths(ctx: OpContext, files: readonly string[], scope: PathScope = {}): Promise<CheckPathsReport> {
  if (!Array.isArray(files)) throw new SwarmError('INVALID_INPUT', 'files: must be a list of paths', { field: 'files' });
  const { root, cwd } = await resolveScope(scope);
  const normal = [...new Set(files.map((f) => normalizeFile(f, root, cwd)))];
  ctx.span.setAttribute('paths.count', normal.length);
  if (normal.length === 0) return { files: [], conflicts: [] };
  const look = async () => fileConflicts(normal, await ctx.store.liveReservations({ files: normal }), ctx.agentId);
  let conflicts = await look();
  if (conflicts.length && (await reapThese(ctx, conflicts.map((c) => c.held.work_item_id))).length) conflicts = await look();
  return { files: normal, conflicts };
}

export interface ReservationFilter extends PathScope {
  agentId?: string;
  workId?: string;
  /** Only reservations that overlap this path or glob. */
  path?: string;
}

/** Live reservations, by path (then work id), optionally of one agent or claim, or overlapping one pattern. */
export async function listReservations(ctx: OpContext, filter: ReservationFilter = {}): Promise<LiveReservation[]> {
  let pattern: string | undefined;
  if (filter.path !== undefined) {
    const { root, cwd } = await resolveScope(filter);
    pattern = normalizePattern(filter.path, root, cwd);
  }
  await maybeReap(ctx);
  const live = await ctx.store.liveReservations(pattern ? { patterns: [pattern] } : {});
  return live
    .filter((r) => (filter.agentId === undefined || r.agent_id === filter.agentId) && (filter.workId === undefined || r.work_item_id === filter.workId) && (!pattern || patternsOverlap(pattern, r.path)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.work_item_id < b.work_item_id ? -1 : 1));
}
