import { isoSeconds } from '../model/now.js';
import { shardFor } from '../model/shardFor.js';
import type { WorkItem } from '../model/types.js';
import { validateText, validateVelocity, validateWorkId } from '../model/validate.js';
import { agentStatsFile } from '../store/storeFiles.js';
import { checkOwner, parseToken } from './checkOwner.js';
import { withEvent } from './claimFields.js';
import type { OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';
import { missingItemError } from './missingItemError.js';
import { readShard, readStats, readWaiting, workFiles, type StatsShard } from './storeShapes.js';
import { ownEntry } from '../model/ownEntry.js';
import { unlessDamaged } from './containDamage.js';

export interface CompleteInput {
  /** Free text, default `success`. */
  result?: string;
  /** Whole number 0..1000, default 5 (SwarmSH's default). */
  velocityPoints?: number;
  /** Fencing token from the claim, and --force for operators (see checkOwner). */
  token?: number;
  force?: boolean;
}

/**
 * Finishes an item in one all-or-nothing transaction over three files: the item leaves its
 * active shard, its final record is appended to the shard's completed log, and the claiming
 * agent's counters (and its team's totals) are updated. Only the owner (with the current fencing
 * token, when given) may complete, unless forced; the owner is credited either way. Items
 * waiting on this one are then moved to the backlog.
 */
export async function completeWork(ctx: OpContext, workId: string, input: CompleteInput = {}): Promise<WorkItem> {
  const id = validateWorkId(workId);
  const result = validateText('result', input.result ?? 'success');
  const points = validateVelocity(input.velocityPoints ?? 5);
  parseToken(input.token);
  const files = workFiles(ctx.store, id);
  ctx.span.setAttribute('work.id', id);
  ctx.span.setAttribute('store.shard', files.shard);

  for (;;) {
    // The stats shard depends on the item's agent, so peek (lock-free) to know which file to lock.
    const peek = (await readShard(ctx.store, files.shard)).find((w) => w.work_item_id === id);
    if (!peek) throw await missingItemError(ctx.store, id, 'complete', 'claimed', ctx.agentId);
    checkOwner(peek, ctx, 'complete', input); // fail early, before taking three locks
    const owner = peek.agent_id ?? ctx.agentId;
    const statsFile = agentStatsFile(shardFor(owner, ctx.store.shards));
    const done = await ctx.store.transact([files.shardFile, files.completedFile, statsFile], ctx.lockStats, async (view) => {
      const items = await readShard(view, files.shard);
      const item = items.find((w) => w.work_item_id === id);
      if (!item) throw await missingItemError(ctx.store, id, 'complete', 'claimed', ctx.agentId);
      if ((item.agent_id ?? ctx.agentId) !== owner) return { result: null }; // reassigned meanwhile: retry
      const forced = checkOwner(item, ctx, 'complete', input);
      const now = isoSeconds(ctx.config.clock());
      const finished: WorkItem = {
        ...item,
        status: 'completed',
        progress: 100,
        last_update: now,
        completed_at: now,
        result,
        velocity_points: points,
        lease_expires_at: null,
        ...(forced ? { events: withEvent(item, 'complete', ctx.agentId, ctx.config.clock(), { forced }) } : {}),
      };
      const stats = structuredClone(await readStats(view, shardFor(owner, ctx.store.shards))) as StatsShard;
      const a = ownEntry(stats.agents, owner, () => ({ tasks_completed: 0, velocity_points: 0, last_completed_at: null }));
      a.tasks_completed++;
      a.velocity_points += points;
      a.last_completed_at = now;
      const t = ownEntry(stats.teams, item.team, () => ({ tasks_completed: 0, velocity_points: 0 }));
      t.tasks_completed++;
      t.velocity_points += points;
      return {
        writes: new Map<string, unknown>([
          [files.shardFile, items.filter((w) => w.work_item_id !== id)],
          [statsFile, stats],
        ]),
        appends: new Map([[files.completedFile, JSON.stringify(finished) + '\n']]),
        result: finished,
      };
    });
    if (done) {
      // An `add --depends-on` racing with us holds this item's completed-log lock while it checks,
      // so after our commit the waiting list already shows every item that depends on us.
      // The completion is committed: a damaged waiting list must not turn it into a failure.
      await unlessDamaged('complete (promoting waiting items)', async () => {
        if ((await readWaiting(ctx.store)).some((w) => w.depends_on?.includes(id))) await promoteWaiting(ctx);
      }, undefined);
      return done;
    }
  }
}
