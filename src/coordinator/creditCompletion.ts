import { ownEntry } from '../model/ownEntry.js';
import { shardFor } from '../model/shardFor.js';
import type { WorkItem } from '../model/types.js';
import type { StatsShard } from './storeShapes.js';

/**
 * Counts one completed item in the counters: its agent's (in the stats shard of the agent) and its
 * team's partial totals in that same shard. `stats` holds every stats shard, by index.
 */
export function creditCompletion(stats: StatsShard[], item: WorkItem): void {
  const owner = item.agent_id ?? 'unknown_agent';
  const st = stats[shardFor(owner, stats.length)]!;
  const a = ownEntry(st.agents, owner, () => ({ tasks_completed: 0, velocity_points: 0, last_completed_at: null as string | null }));
  a.tasks_completed++;
  a.velocity_points += item.velocity_points ?? 0;
  if (!a.last_completed_at || (item.completed_at ?? '') > a.last_completed_at) a.last_completed_at = item.completed_at ?? null;
  const t = ownEntry(st.teams, item.team, () => ({ tasks_completed: 0, velocity_points: 0 }));
  t.tasks_completed++;
  t.velocity_points += item.velocity_points ?? 0;
}
