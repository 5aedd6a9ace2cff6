/**
 * Prints the answer of a command that hands something out (claim, claim-next, add). If the answer
 * cannot be written (stdout on a full disk, /dev/full, a reader gone), the agent never learns the
 * id, so the command fails (IO_ERROR, exit 11) and, for a claim, gives it back first: nobody is
 * left holding work that no agent knows it has. The message on stderr names the id and what was done.
 */
import { SwarmError, isSwarmError } from '../errors.js';
import type { WorkItem } from '../model/types.js';
import type { CliContext } from './CliContext.js';

export async function deliverOutput(c: CliContext, item: WorkItem, giveBack?: { what: string; undo: () => Promise<unknown> }): Promise<void> {
  try {
    c.out(c.json ? JSON.stringify(item, null, 2) : item.work_item_id);
  } catch (err) {
    if (!isSwarmError(err, 'IO_ERROR') || !err.details?.output) throw err;
    let outcome = `${item.work_item_id} stays as it is`;
    if (giveBack) {
      try {
        await giveBack.undo();
        outcome = `${item.work_item_id} was ${giveBack.what}`;
      } catch (undoErr) {
        outcome = `${item.work_item_id} could not be ${giveBack.what} (${undoErr instanceof Error ? undoErr.message : String(undoErr)}); release it with 'coordination_helper release ${item.work_item_id} --force'`;
      }
    }
    throw new SwarmError('IO_ERROR', `${err.message}: the answer was lost, so ${outcome}`, { ...err.details, work_item_id: item.work_item_id }, { cause: err });
  }
}
