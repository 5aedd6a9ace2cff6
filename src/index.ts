/** swarmfile's library API. The CLI (`coordination_helper`) is built on exactly these exports. */
export { Coordinator, type CoordinatorOptions } from './coordinator/Coordinator.js';
export type { ClaimInput } from './coordinator/claimWork.js';
export type { CompleteInput } from './coordinator/completeWork.js';
export type { RegisterInput } from './coordinator/registerAgent.js';
export type { ListFilter } from './coordinator/listWork.js';
export type { Dashboard, AgentView } from './coordinator/buildDashboard.js';
export type { ImportReport, ImportProblem } from './coordinator/importSwarmsh.js';
export type { WorkItem, AgentRecord, Priority } from './model/types.js';
export { PRIORITIES } from './model/types.js';
export { MAX_TEXT_BYTES } from './model/validate.js';
export { generateId } from './model/generateId.js';
export { resolveConfig, type Config, type ConfigOverrides, type LockConfig } from './config.js';
export { SwarmError, ERROR_CODES, exitStatusFor, isSwarmError, type ErrorCode } from './errors.js';
export type { Tracer, OperationSpan, AttrValue } from './telemetry/Tracer.js';
