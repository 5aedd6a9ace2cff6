import { DEFAULT_PRIORITY, PRIORITIES, type Priority, type WorkItem } from './types.js';

/** What claim-next and ready may be asked to match. */
export interface ClaimFilter {
  workType?: string;
  team?: string;
}

export const priorityRank = (p: Priority | string): number => {
  const i = (PRIORITIES as readonly string[]).indexOf(p);
  return i < 0 ? PRIORITIES.indexOf(DEFAULT_PRIORITY) : i;
};

/** Creation order of two ids: `work_<ns>` ids compare as numbers of equal width, others as text. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** A backlog item is claimable when it matches the filter and is not waiting out a retry delay. */
export function isClaimable(item: WorkItem, nowMs: number, filter: ClaimFilter = {}): boolean {
  if (filter.workType !== undefined && item.work_type !== filter.workType) return false;
  if (filter.team !== undefined && item.team !== filter.team) return false;
  return !item.retry_at || Date.parse(item.retry_at) <= nowMs;
}
