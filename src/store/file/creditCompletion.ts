import { ownEntry } from '../../model/ownEntry.js';
import { shardFor } from '../../model/shardFor.js';
import type { WorkItem } from '../../model/types.js';
import type { StatsShard } from './storeShapes.js';

/**
 * Counts one finished item in `shard`, the stats shard of `owner`: the owner's counters and its
 * item's team's partial totals there.
 */
export function creditShard(shard: StatsShard, owner: string, item: WorkItem): void {
  const a = ownEntry(shard.agents, owner, () => ({ tasks_completed: 0, velocity_points: 0, last_completed_at: null as string | null }));
  a.tasks_completed++;
  a.velocity_points += item.velocity_points ?? 0;
  if (!a.last_completed_at || (item.completed_at ?? '') > a.last_completed_at) a.last_completed_at = item.completed_at ?? null;
  const t = ownEntry(shard.teams, item.team, () => ({ tasks_completed: 0, velocity_points: 0 }));
  t.tasks_completed++;
  t.velocity_points += item.velocity_points ?? 0;
}

/** creditShard for an item of the store's history: `stats` holds every stats shard, by index. */
export function creditCompletion(stats: StatsShard[], item: WorkItem): void {
  const owner = creditedAgent(item);
  creditShard(stats[shardFor(owner, stats.length)]!, owner, item);
}

/** Whose counters an imported finished item counts in. */
export function creditedAgent(item: WorkItem): string {
  return item.agent_id ?? 'unknown_agent';
}
