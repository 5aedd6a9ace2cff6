/**
 * The change log's records (issue 10): one per committed state change of an item, written by the
 * store in the same commit as the change. Each change also raises the item's `revision` by one,
 * so the log and the store can be compared exactly (audit): the event with an item's current
 * revision describes the change that left it as it is.
 */
import { isoMs } from './now.js';
import type { WorkItem } from './types.js';

export const CHANGE_TYPES = [
  'added',
  'imported',
  'claimed',
  'progressed',
  'completed',
  'failed',
  'released',
  'reaped',
  'cancelled',
  'requeued',
  'promoted',
  'dead',
  'archived',
  'reserved',
  'unreserved',
] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/** Where an item is after (or before) a change; null before it existed. */
export type ChangePlace = 'active' | 'backlog' | 'waiting' | 'dead' | 'finished' | 'archived';

export interface ChangeEvent {
  /** The store's time of the change, ISO-8601 with milliseconds. */
  ts: string;
  type: ChangeType;
  work_item_id: string;
  /** The item's revision after this change (archived: unchanged, the archive keeps the record). */
  revision: number;
  /** The claim's agent after the change, or before it when the change ended the claim. */
  agent_id: string | null;
  fencing_token: number | null;
  from: ChangePlace | null;
  to: ChangePlace;
  status: string;
  progress: number;
  work_type: string;
  team: string;
  priority: string;
  /** completed: the agent whose counters were credited. */
  credit?: string;
  velocity_points?: number;
  /** reserved/unreserved: the claim's reserved paths after the change. */
  paths?: string[];
}

/** An event as read back, with where it is in the log (backend-specific, opaque to callers). */
export interface LoggedEvent extends ChangeEvent {
  /** Resume after this event: pass it to `events --since` (a position in every part of the log). */
  cursor: string;
}

/** The item's revision (items made before the change log count as revision 0). */
export function revisionOf(item: WorkItem): number {
  return typeof item.revision === 'number' ? item.revision : 0;
}

/**
 * The item as it is stored after a change (its revision raised) and the change's event. Pure: a
 * store may call it more than once for one decision.
 */
export function recordChange(type: ChangeType, before: WorkItem | null, after: WorkItem, from: ChangePlace | null, to: ChangePlace, nowMs: number, credit?: string): { item: WorkItem; event: ChangeEvent } {
  const revision = before ? revisionOf(before) + 1 : 1;
  const item: WorkItem = { ...after, revision };
  return { item, event: eventOf(type, before, item, from, to, nowMs, credit) };
}

/** The event of a change that keeps the record as it is (archived). */
export function eventOf(type: ChangeType, before: WorkItem | null, item: WorkItem, from: ChangePlace | null, to: ChangePlace, nowMs: number, credit?: string): ChangeEvent {
  const event: ChangeEvent = {
    ts: isoMs(nowMs),
    type,
    work_item_id: item.work_item_id,
    revision: revisionOf(item),
    agent_id: item.agent_id ?? before?.agent_id ?? null,
    fencing_token: item.fencing_token ?? null,
    from,
    to,
    status: item.status,
    progress: item.progress,
    work_type: item.work_type,
    team: item.team,
    priority: item.priority,
  };
  if (credit !== undefined) {
    event.credit = credit;
    event.velocity_points = item.velocity_points ?? 0;
  }
  if (type === 'reserved' || type === 'unreserved') event.paths = (item.reserved_paths ?? []).map((r) => r.path);
  return event;
}

/** reserved when the change adds a path, unreserved when it only takes some away. */
export function reservationChange(before: WorkItem, after: WorkItem): ChangeType {
  const had = new Set((before.reserved_paths ?? []).map((r) => `${r.path}\0${r.shared ? 1 : 0}`));
  return (after.reserved_paths ?? []).every((r) => had.has(`${r.path}\0${r.shared ? 1 : 0}`)) ? 'unreserved' : 'reserved';
}

/** `claim` makes an item already claimed: it is added and claimed in one change (two events). */
export function claimedAtOnce(item: WorkItem, nowMs: number): { added: { item: WorkItem; event: ChangeEvent }; claimed: { item: WorkItem; event: ChangeEvent } } {
  const added = recordChange('added', null, item, null, 'active', nowMs);
  return { added, claimed: recordChange('claimed', added.item, added.item, null, 'active', nowMs) };
}
