/**
 * The library API. One Coordinator per process is enough: a long-lived agent pays start-up once.
 * Each method is one operation with one telemetry span; the CLI is a thin layer over these.
 */
import { resolveConfig, type Config, type ConfigOverrides } from '../config.js';
import { isSwarmError } from '../errors.js';
import { newLockStats } from '../lock/acquireLocks.js';
import { generateId } from '../model/generateId.js';
import type { AgentRecord, WorkItem } from '../model/types.js';
import { openStore } from '../store/openStore.js';
import type { Store } from '../store/Store.js';
import { noopTracer, type AttrValue, type Tracer } from '../telemetry/Tracer.js';
import { buildDashboard, type Dashboard } from './buildDashboard.js';
import { claimWork, type ClaimInput } from './claimWork.js';
import { completeWork, type CompleteInput } from './completeWork.js';
import { importSwarmsh, type ImportReport } from './importSwarmsh.js';
import { listWork, type ListFilter } from './listWork.js';
import type { OpContext } from './OpContext.js';
import { progressWork } from './progressWork.js';
import { registerAgent, type RegisterInput } from './registerAgent.js';
import { showWork } from './showWork.js';

export interface CoordinatorOptions extends ConfigOverrides {
  /** Where spans go; default: none. The CLI passes the journal tracer. */
  tracer?: Tracer;
  /** Environment to resolve settings from; default process.env (resolved by config.ts). */
  env?: Record<string, string | undefined>;
  /** An already resolved configuration (skips resolution). */
  config?: Readonly<Config>;
}

export class Coordinator {
  readonly config: Readonly<Config>;
  /** The agent this coordinator acts as: AGENT_ID, or a fresh agent_<ns> id. */
  readonly agentId: string;
  private readonly store: Store;
  private readonly tracer: Tracer;
  private closed = false;

  private constructor(config: Readonly<Config>, store: Store, tracer: Tracer) {
    this.config = config;
    this.store = store;
    this.tracer = tracer;
    this.agentId = config.agentId ?? generateId('agent');
  }

  static async open(options: CoordinatorOptions = {}): Promise<Coordinator> {
    const { tracer, env, config: given, ...overrides } = options;
    const config = given ?? resolveConfig(overrides, env);
    return new Coordinator(config, await openStore(config), tracer ?? noopTracer);
  }

  get shards(): number {
    return this.store.shards;
  }

  claim(input: ClaimInput): Promise<WorkItem> {
    return this.run('claim', { 'work.type': input.workType, 'work.team': input.team ?? '' }, (ctx) => claimWork(ctx, input));
  }

  progress(workId: string, percent: number | string, status?: string): Promise<WorkItem> {
    return this.run('progress', {}, (ctx) => progressWork(ctx, workId, percent, status));
  }

  complete(workId: string, input: CompleteInput = {}): Promise<WorkItem> {
    return this.run('complete', {}, (ctx) => completeWork(ctx, workId, input));
  }

  register(input: RegisterInput): Promise<AgentRecord> {
    return this.run('register', {}, (ctx) => registerAgent(ctx, input));
  }

  list(filter: ListFilter = {}): Promise<WorkItem[]> {
    return this.run('list', {}, (ctx) => listWork(ctx, filter));
  }

  show(workId: string): Promise<WorkItem> {
    return this.run('show', {}, (ctx) => showWork(ctx, workId));
  }

  dashboard(): Promise<Dashboard> {
    return this.run('dashboard', {}, (ctx) => buildDashboard(ctx));
  }

  importSwarmsh(sourceDir: string): Promise<ImportReport> {
    return this.run('import_swarmsh', { 'import.source': sourceDir }, (ctx) => importSwarmsh(ctx, sourceDir));
  }

  /** Flushes telemetry. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tracer.shutdown();
  }

  private async run<T>(operation: string, attrs: Record<string, AttrValue>, fn: (ctx: OpContext) => Promise<T>): Promise<T> {
    const span = this.tracer.startSpan(`swarmfile.${operation}`, { 'swarmfile.operation': operation, 'agent.id': this.agentId, ...attrs });
    const ctx: OpContext = { store: this.store, config: this.config, agentId: this.agentId, lockStats: newLockStats(), span };
    let errorCode: string | undefined;
    try {
      if (this.config.injectDelayMs > 0) await new Promise((r) => setTimeout(r, this.config.injectDelayMs));
      return await fn(ctx);
    } catch (err) {
      errorCode = isSwarmError(err) ? err.code : 'INTERNAL';
      throw err;
    } finally {
      span.setAttribute('lock.wait_ms', Math.round(ctx.lockStats.waitMs * 1000) / 1000);
      span.setAttribute('lock.retries', ctx.lockStats.retries);
      span.end(errorCode);
    }
  }
}
