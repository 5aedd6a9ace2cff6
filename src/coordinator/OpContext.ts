import type { Config } from '../config.js';
import type { LockStats } from '../lock/acquireLocks.js';
import type { Store } from '../store/Store.js';
import type { OperationSpan } from '../telemetry/Tracer.js';

/** What one operation runs with; built per call by the Coordinator. */
export interface OpContext {
  readonly store: Store;
  readonly config: Readonly<Config>;
  readonly agentId: string;
  readonly lockStats: LockStats;
  readonly span: OperationSpan;
  /** Time spent waiting for work (claim-next --wait), ms: recorded apart from the work itself. */
  waitMs: number;
}
