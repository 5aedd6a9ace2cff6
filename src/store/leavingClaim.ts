/**
 * Reservations end with their claim (issue 9), in the change that ends it, on every backend: an
 * item leaving the active place (complete, fail, release, cancel, reap) leaves its
 * `reserved_paths` behind.
 */
import type { WorkItem } from '../model/types.js';
import type { Move } from './WorkStore.js';

/** The move, with the item's reservations dropped when it leaves the active place. */
export function leavingClaim(mv: Move | null): Move | null {
  if (!mv || mv.to === 'active' || !mv.item.reserved_paths) return mv;
  const { reserved_paths: _ended, ...item } = mv.item;
  return { ...mv, item };
}

/** Whether `before`'s reservations ended in the change that made `after` (their table rows are dead). */
export function claimEnded(before: WorkItem, after: WorkItem): boolean {
  if (!before.reserved_paths?.length) return false;
  return !after.reserved_paths || (after.fencing_token ?? 0) !== (before.fencing_token ?? 0);
}
