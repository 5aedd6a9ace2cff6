import { listSegments, type Segment } from '../backlog/listSegments.js';
import { segmentChange } from '../backlog/segmentChange.js';
import { SwarmError, isSwarmError } from '../errors.js';
import { isClaimable, type ClaimFilter } from '../model/claimOrder.js';
import type { WorkItem } from '../model/types.js';
import { validateLease, validateName } from '../model/validate.js';
import { claimFields } from './claimFields.js';
import type { OpContext } from './OpContext.js';
import { promoteWaiting } from './promoteWaiting.js';
import { maybeReap } from './reapClaims.js';
import { readItems, readShard, workFiles } from './storeShapes.js';
import { unlessDamaged, warnDamage } from './containDamage.js';

export interface ClaimNextInput extends ClaimFilter {
  /** Lease length in seconds; default LEASE_TTL_SECONDS. */
  leaseSeconds?: number;
}

export function validateFilter(input: ClaimFilter): ClaimFilter {
  return {
    ...(input.workType !== undefined ? { workType: validateName('type', input.workType) } : {}),
    ...(input.team !== undefined ? { team: validateName('team', input.team) } : {}),
  };
}

/**
 * Takes the best claimable backlog item for the context's agent: highest priority, then oldest,
 * skipping items waiting out a retry delay or not matching the filter. Exactly once: the item
 * leaves its segment and enters its active shard in one transaction, under the segment's lock
 * (every claimer of that item needs it) and then the shard's (which sorts after every segment).
 * Cost does not grow with the backlog: it reads segments only until one has a claimable item.
 * Throws NOTHING_CLAIMABLE (details.next_retry_at: the earliest retry delay that ends, if any).
 */
export async function claimNext(ctx: OpContext, input: ClaimNextInput = {}): Promise<WorkItem> {
  const filter = validateFilter(input);
  const lease = validateLease(input.leaseSeconds ?? ctx.config.leaseTtlSeconds);
  await maybeReap(ctx);
  let promoted = false;
  const skip = new Set<string>();
  for (;;) {
    const segs = await listSegments(ctx.store);
    const outcome = await claimFromSegments(ctx, segs, filter, lease, skip);
    if (outcome.item) return outcome.item;
    if (outcome.raced) continue;
    if (!promoted && (await unlessDamaged('claim-next (promoting waiting items)', () => promoteWaiting(ctx), 0)) > 0) {
      promoted = true;
      continue;
    }
    const next = outcome.nextRetryMs;
    throw new SwarmError('NOTHING_CLAIMABLE', `no backlog item can be claimed now${describe(filter)}${next ? `; the next retry delay ends at ${new Date(next).toISOString()}` : ''}`, {
      next_retry_at: next ? new Date(next).toISOString() : null,
    });
  }
}

interface Outcome {
  item?: WorkItem;
  /** A segment changed between our look and our lock: list again. */
  raced?: boolean;
  nextRetryMs?: number;
}

/**
 * Damage is stepped around: a damaged segment is passed over (its items stay where they are), and
 * an item whose active shard is damaged is left queued (`skip`) while the next one is taken.
 */
async function claimFromSegments(ctx: OpContext, segs: Segment[], filter: ClaimFilter, lease: number, skip: Set<string>): Promise<Outcome> {
  let nextRetryMs: number | undefined;
  const claimable = (w: WorkItem, nowMs: number) => !skip.has(w.work_item_id) && isClaimable(w, nowMs, filter);
  for (const seg of segs) {
    const peek = await unlessDamaged('claim-next', () => readItems(ctx.store, seg.file), [] as WorkItem[]);
    const nowMs = ctx.config.clock();
    if (!peek.some((w) => claimable(w, nowMs))) {
      for (const w of peek) {
        const t = w.retry_at ? Date.parse(w.retry_at) : Number.NaN;
        if (t > nowMs && isClaimable(w, t, filter)) nextRetryMs = Math.min(nextRetryMs ?? t, t);
      }
      continue;
    }
    let chosenId: string | undefined;
    const item = await ctx.store.transact([seg.file], ctx.lockStats, async (view) => {
      const items = await readItems(view, seg.file);
      const now = ctx.config.clock();
      const idx = items.findIndex((w) => claimable(w, now));
      if (idx < 0) return { result: null };
      const chosen = items[idx]!;
      chosenId = chosen.work_item_id;
      const files = workFiles(ctx.store, chosen.work_item_id);
      await view.lock(files.shardFile);
      const active = await readShard(view, files.shard);
      if (active.some((w) => w.work_item_id === chosen.work_item_id)) {
        throw new SwarmError('STORE_CORRUPT', `${chosen.work_item_id} is both queued in ${seg.file} and active in ${files.shardFile}; nothing was changed`, { work_item_id: chosen.work_item_id });
      }
      const claimed: WorkItem = { ...chosen, ...claimFields(ctx.config, ctx.agentId, chosen.fencing_token, lease, now) };
      const change = segmentChange(seg, items.filter((_, i) => i !== idx), segs);
      ctx.span.setAttribute('work.id', claimed.work_item_id);
      ctx.span.setAttribute('store.shard', files.shard);
      return {
        writes: new Map<string, unknown>([...change.writes, [files.shardFile, [...active, claimed]]]),
        deletes: change.deletes,
        result: claimed,
      };
    }).catch((err: unknown) => {
      // The segment itself was fine a moment ago; a damaged shard of the chosen item is not.
      if (!isSwarmError(err, 'STORE_CORRUPT') || chosenId === undefined || err.details?.path === ctx.store.path(seg.file)) throw err;
      warnDamage(err, 'claim-next');
      skip.add(chosenId);
      return null;
    });
    return item ? { item } : { raced: true };
  }
  return { nextRetryMs };
}

function describe(filter: ClaimFilter): string {
  const parts = [filter.workType ? `type ${filter.workType}` : '', filter.team ? `team ${filter.team}` : ''].filter(Boolean);
  return parts.length ? ` (matching ${parts.join(', ')})` : '';
}
