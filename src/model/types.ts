/** Records use SwarmSH's field names so jq queries written for SwarmSH keep working. */

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Lifecycle states that only their own commands may set (progress cannot set them). */
export const RESERVED_STATUSES = ['completed', 'pending', 'dead', 'cancelled', 'failed'] as const;

export interface WorkItem {
  work_item_id: string;
  /** The claiming agent; null while the item waits in the backlog. */
  agent_id: string | null;
  work_type: string;
  description: string;
  priority: Priority;
  team: string;
  /** `active` when claimed, free-form progress states such as `in_progress`, then `completed`. */
  status: string;
  /** Percent done, 0..100. */
  progress: number;
  created_at: string;
  claimed_at: string | null;
  last_update: string;
  completed_at?: string;
  result?: string;
  velocity_points?: number;
}

export interface AgentRecord {
  agent_id: string;
  team: string;
  capacity: number;
  specialization: string;
  status: string;
  registered_at: string;
  last_heartbeat: string;
  pid: number;
  host: string;
}

/** Per-agent counters kept by `complete`, sharded by agent id. */
export interface AgentStats {
  tasks_completed: number;
  velocity_points: number;
  last_completed_at: string | null;
}
