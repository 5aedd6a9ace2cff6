import { SwarmError } from '../errors.js';
import type { Store } from '../store/Store.js';
import { findCompleted } from './storeShapes.js';

/** An id absent from the active shards: WRONG_STATE if it already finished, NOT_FOUND otherwise. */
export async function missingItemError(store: Store, id: string, action: string): Promise<SwarmError> {
  const done = await findCompleted(store, id);
  if (done) {
    return new SwarmError('WRONG_STATE', `cannot ${action} ${id}: it was already ${done.status} at ${done.completed_at ?? '?'}`, { work_item_id: id, status: done.status });
  }
  return new SwarmError('NOT_FOUND', `no work item ${id}`, { work_item_id: id });
}
