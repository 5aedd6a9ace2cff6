import { SwarmError } from '../errors.js';
import type { CliContext } from './CliContext.js';

/** SwarmSH semantics: an omitted or empty work id means $CURRENT_WORK_ITEM. */
export function workIdOrCurrent(ctx: CliContext, id: string | undefined): string {
  const resolved = id || ctx.config.currentWorkItem;
  if (!resolved) throw new SwarmError('INVALID_INPUT', 'work_item_id: give one, or set CURRENT_WORK_ITEM', { field: 'work_item_id' });
  return resolved;
}
