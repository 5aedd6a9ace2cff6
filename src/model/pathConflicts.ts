/**
 * When reservations conflict (issue 9): two reservations of different claims conflict when some
 * path could match both patterns (pathPatterns.patternsOverlap) and at least one of them is
 * exclusive. Writing a file (check-paths, the git hook) conflicts with any reservation of another
 * agent that matches it, shared or exclusive: a shared reservation is a reader asking that the
 * file not change under it.
 */
import { SwarmError } from '../errors.js';
import { fileMatches, patternsOverlap } from './pathPatterns.js';
import type { LiveReservation, ReservedPath } from './types.js';

/** One wanted path (or file) and a live reservation of another claim in its way. */
export interface Conflict {
  /** The wanted pattern, or the file being checked. */
  path: string;
  held: LiveReservation;
}

/** Wanted reservations of claim `workId` against the live ones of other claims. */
export function conflictsOf(wanted: readonly Pick<ReservedPath, 'path' | 'shared'>[], others: readonly LiveReservation[], workId: string): Conflict[] {
  const out: Conflict[] = [];
  for (const w of wanted) {
    for (const held of others) {
      if (held.work_item_id === workId || (w.shared && held.shared)) continue;
      if (patternsOverlap(w.path, held.path)) out.push({ path: w.path, held });
    }
  }
  return out;
}

/** Files (normalised literal paths) that reservations of agents other than `agentId` cover. */
export function fileConflicts(files: readonly string[], live: readonly LiveReservation[], agentId: string): Conflict[] {
  const out: Conflict[] = [];
  for (const file of files) {
    for (const held of live) if (held.agent_id !== agentId && fileMatches(held.path, file)) out.push({ path: file, held });
  }
  return out;
}

/** One line per conflict, for stderr. */
export function describeConflict(c: Conflict): string {
  const h = c.held;
  const held = h.path === c.path ? '' : ` (as ${h.path})`;
  return `${c.path} is reserved${held} by ${h.agent_id} for ${h.work_item_id}${h.shared ? ' (shared)' : ''}, lease until ${h.lease_expires_at ?? 'no expiry'}`;
}

/** The CONFLICT error: every conflict on stderr, and in details.conflicts for --json. */
export function conflictError(action: string, conflicts: readonly Conflict[]): SwarmError {
  const lines = conflicts.map((c) => `  ${describeConflict(c)}`);
  return new SwarmError('CONFLICT', `${action}: ${conflicts.length === 1 ? 'a path is' : `${conflicts.length} paths are`} reserved by another live claim:\n${lines.join('\n')}`, {
    conflicts: conflicts.map(conflictRecord),
  });
}

/** A conflict as JSON: the path, and who holds what until when. */
export function conflictRecord(c: Conflict): Record<string, unknown> {
  const h = c.held;
  return { path: c.path, held_path: h.path, shared: h.shared, agent_id: h.agent_id, work_item_id: h.work_item_id, fencing_token: h.fencing_token, lease_expires_at: h.lease_expires_at, reason: h.reason ?? null };
}
