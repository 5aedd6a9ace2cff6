/** Shape checks and typed readers for the store's files, shared by the use cases. */
import type { AgentRecord, WorkItem } from '../../model/types.js';
import type { TxnView } from './Store.js';
import type { Store } from './Store.js';
import { agentStatsFile, completedFile, DEAD_FILE, REGISTRY_FILE, WAITING_FILE } from './storeFiles.js';
import { shardFor } from '../../model/shardFor.js';
import { listSegments } from './listSegments.js';
import { unlessDamaged } from '../containDamage.js';

export interface TeamTotals {
  tasks_completed: number;
  velocity_points: number;
}

/** One agent-stats shard: counters for the agents routed to it, and their teams' partial totals. */
export interface StatsShard {
  agents: Record<string, { tasks_completed: number; velocity_points: number; last_completed_at: string | null }>;
  teams: Record<string, TeamTotals>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isItemArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => isObject(x) && typeof x.work_item_id === 'string');
export const isAgentArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => isObject(x) && typeof x.agent_id === 'string');
export const isStatsShard = (v: unknown): boolean => isObject(v) && isObject(v.agents) && isObject(v.teams);
export const emptyStats = (): StatsShard => ({ agents: {}, teams: {} });

export const readRegistry = (r: TxnView | Store) => r.readJson<AgentRecord[]>(REGISTRY_FILE, [], isAgentArray);
/** A backlog segment, a dead-letter or waiting list: every item list is a JSON array of WorkItem. */
export const readItems = (r: TxnView | Store, file: string) => r.readJson<WorkItem[]>(file, [], isItemArray);
/**
 * Every queued item, in claim order (reads the whole backlog: listings and counts only). With
 * `passingBy`, a damaged segment is skipped with a warning naming that operation (listings);
 * without it, it fails the call (import must see every id).
 */
export async function readBacklog(store: Store, passingBy?: string): Promise<WorkItem[]> {
  const segs = await listSegments(store);
  const read = (file: string) => (passingBy ? unlessDamaged(passingBy, () => readItems(store, file), []) : readItems(store, file));
  return (await Promise.all(segs.map((s) => read(s.file)))).flat();
}
export const readWaiting = (r: TxnView | Store) => readItems(r, WAITING_FILE);
export const readDead = (r: TxnView | Store) => readItems(r, DEAD_FILE);
export const readStats = (r: TxnView | Store, i: number) => r.readJson<StatsShard>(agentStatsFile(i), emptyStats(), isStatsShard);

/** An item's active shard (by the layout as last seen) and its completed log. */
export function workFiles(store: Store, id: string) {
  return { shardFile: store.activeFile(id), completedFile: completedFile(shardFor(id, store.shards)) };
}

/** Looks a finished item up in its shard's completed log (error paths and `show` only). */
export async function findCompleted(store: Store, id: string): Promise<WorkItem | undefined> {
  const log = await store.readLog<WorkItem>(workFiles(store, id).completedFile);
  return log.find((r) => r.work_item_id === id);
}
