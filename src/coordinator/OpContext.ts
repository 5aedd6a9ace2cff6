import type { Config } from '../config.js';
import type { LockStats } from '../lock/acquireLocks.js';
import type { WorkStore } from '../store/WorkStore.js';
import type { OperationSpan } from '../telemetry/Tracer.js';

/** What one operation runs with; built per call by the Coordinator. */
export interface OpContext {
  readonly store: WorkStore;
  readonly config: Readonly<Config>;
  readonly agentId: string;
  readonly lockStats: LockStats;
  readonly span: OperationSpan;
  /** Time spent waiting for work (claim-next --wait), ms: recorded apart from the work itself. */
  waitMs: number;
}

/** Names the item an operation is about on its span, with the active shard it routes to (0 when the store has one). */
export function noteItem(ctx: OpContext, id: string): void {
  ctx.span.setAttribute('work.id', id);
  ctx.span.setAttribute('store.shard', ctx.store.activeShardOf(id));
}
