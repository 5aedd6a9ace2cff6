/** Records use SwarmSH's field names so jq queries written for SwarmSH keep working. */

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
/** What an item gets when no priority or team is given (claim, add, register, import). */
export const DEFAULT_PRIORITY: Priority = 'medium';
export const DEFAULT_TEAM = 'autonomous_team';

/** Lifecycle states that only their own commands may set (progress cannot set them). */
export const RESERVED_STATUSES = ['completed', 'pending', 'waiting', 'dead', 'cancelled', 'failed'] as const;

/** Statuses of finished items: they live in the finished logs (and, after cleanup, the archives). */
export const FINISHED_STATUSES: ReadonlySet<string> = new Set(['completed', 'cancelled']);

/** One past attempt that ended without completion (fail, reap), kept on the item. */
export interface AttemptRecord {
  at: string;
  /** `failed` (the agent said so), `lease_expired`, `process_gone`, `agent_stale`. */
  outcome: string;
  agent_id: string | null;
  fencing_token: number;
  reason?: string;
}

/** Something done to an item by someone other than its owner, or on purpose: --force, release, requeue, cancel. */
export interface ItemEvent {
  at: string;
  event: string;
  by: string;
  forced?: boolean;
  reason?: string;
}

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
  /** Work queue fields (issue 3); absent on items made by SwarmSH's `claim` before this version. */
  /** Items that must be completed before this one can be claimed. */
  depends_on?: string[];
  /** Dead dependencies of a waiting item (computed when shown, never stored): see markBlocked. */
  blocked_by?: string[];
  /** Fields of an imported SwarmSH record that swarmfile does not know (reactor_id, telemetry ...), kept as they were. */
  extra?: Record<string, unknown>;
  /** Attempts that ended without completion (failed or reclaimed). */
  attempts?: number;
  /** Grows by one with every claim; owners pass it to prove their claim is current. */
  fencing_token?: number;
  /** ISO-8601 with milliseconds; the claim may be reclaimed after this instant. */
  lease_expires_at?: string | null;
  lease_ttl_seconds?: number;
  /** The claiming agent's process (AGENT_PID, the CLI's parent, or the library's own pid). */
  claim_pid?: number | null;
  claim_host?: string | null;
  /** The process's start time (Linux /proc, clock ticks), to tell a reused pid apart. */
  claim_pid_start?: number | null;
  /** A failed item is not claimable before this instant (ISO-8601 with milliseconds). */
  retry_at?: string | null;
  failures?: AttemptRecord[];
  events?: ItemEvent[];
  /** Paths (globs, relative to the repository root) the item will touch, declared by `add --paths`: claim-next reserves them with the claim. */
  paths?: string[];
  /** The claim's file-path reservations (issue 9). Only active items have them: they end with the claim. */
  reserved_paths?: ReservedPath[];
  /** Raised by one with every change written to the change log (issue 10); the log's event with this revision made the item as it is. */
  revision?: number;
}

/** A path or glob a claim holds, kept on the claimed item. */
export interface ReservedPath {
  path: string;
  /** A reader's reservation: shared ones do not conflict with each other. */
  shared?: boolean;
  reason?: string;
  reserved_at: string;
}

/**
 * One row of the reservation table: a claim's reserved path, with the claim it belongs to. It is
 * live while that item is active with this fencing token and still lists the path.
 */
export interface Reservation {
  path: string;
  shared: boolean;
  work_item_id: string;
  agent_id: string;
  fencing_token: number;
  reason?: string;
  reserved_at: string;
}

/** A live reservation as shown, with its claim's lease expiry. */
export interface LiveReservation extends Reservation {
  lease_expires_at: string | null;
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
  /** Start time of `pid` (Linux /proc clock ticks), to tell a reused pid apart. */
  pid_start?: number | null;
}

/** Per-agent counters kept by `complete`, sharded by agent id. */
export interface AgentStats {
  tasks_completed: number;
  velocity_points: number;
  last_completed_at: string | null;
}
