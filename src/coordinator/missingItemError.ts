import { SwarmError } from '../errors.js';
import type { WorkStore } from '../store/WorkStore.js';

/**
 * The error for an id that is not where `action` needs it: NOT_OWNER when `agentId`'s claim on it
 * was taken back (reclaimed after its lease, or failed), WRONG_STATE naming where it is, or NOT_FOUND.
 */
export async function missingItemError(store: WorkStore, id: string, action: string, expected = 'claimed', agentId?: string): Promise<SwarmError> {
  const found = await store.find(id);
  if (!found) return new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
  const { item, place } = found;
  const lost = place !== 'finished' && place !== 'archived' && agentId ? [...(item.failures ?? [])].reverse().find((f) => f.agent_id === agentId) : undefined;
  if (lost) {
    return new SwarmError('NOT_OWNER', `cannot ${action} ${id}: your claim (token ${lost.fencing_token}) was taken back at ${lost.at} (${lost.outcome}); it is now ${item.status}`, {
      work_item_id: id,
      status: item.status,
      place,
    });
  }
  const where =
    place === 'finished' || place === 'archived'
      ? `it was already ${item.status} at ${item.completed_at ?? '?'}`
      : place === 'active'
        ? `it is claimed by ${item.agent_id}`
        : place === 'backlog'
          ? 'it is waiting in the backlog, unclaimed'
          : place === 'waiting'
            ? `it is waiting for ${item.depends_on?.join(', ')}`
            : 'it is dead (requeue it first)';
  return new SwarmError('WRONG_STATE', `cannot ${action} ${id}: it is not ${expected}; ${where}`, { work_item_id: id, status: item.status, place });
}
