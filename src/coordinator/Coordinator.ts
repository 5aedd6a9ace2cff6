/**
 * The library API. One Coordinator per process is enough: a long-lived agent pays start-up once.
 * Each method is one operation with one telemetry span; the CLI is a thin layer over these.
 */
import { resolveConfig, type Config, type ConfigOverrides } from '../config.js';
import { isSwarmError, SwarmError } from '../errors.js';
import { newLockStats } from '../lock/acquireLocks.js';
import { generateId } from '../model/generateId.js';
import type { AgentRecord, WorkItem } from '../model/types.js';
import { openStoreBackend } from '../store/openStoreBackend.js';
import type { StoreBackend } from '../store/WorkStore.js';
import { noopTracer, type AttrValue, type Tracer } from '../telemetry/Tracer.js';
import { buildDashboard, type Dashboard } from './buildDashboard.js';
import { claimWork, type ClaimInput } from './claimWork.js';
import { completeWork, type CompleteInput } from './completeWork.js';
import { importSwarmsh, type ImportOptions, type ImportReport } from './importSwarmsh.js';
import { listWork, type ListFilter } from './listWork.js';
import type { OpContext } from './OpContext.js';
import { withInjectedDelay } from './injectDelay.js';
import { progressWork } from './progressWork.js';
import { registerAgent, type RegisterInput } from './registerAgent.js';
import { showWork } from './showWork.js';
import { addWork, type AddInput } from './addWork.js';
import { cancelWork } from './cancelWork.js';
import type { OwnerProof } from './checkOwner.js';
import { claimNext, type ClaimNextInput } from './claimNext.js';
import { claimNextWaiting } from './claimNextWaiting.js';
import { cleanupFinished, type CleanupInput, type CleanupReport } from './cleanupFinished.js';
import { failWork } from './failWork.js';
import { heartbeatAgent, type AgentHeartbeat } from './heartbeatAgent.js';
import { listAgents, type AgentLiveness } from './listAgents.js';
import { listReady } from './listReady.js';
import { reapClaims, type ReapReport } from './reapClaims.js';
import { releaseWork } from './releaseWork.js';
import { requeueWork } from './requeueWork.js';
import { auditLog, type AuditReport } from './auditLog.js';
import { ChangeReader, followChanges, type EventQuery } from './readChanges.js';
import type { LoggedEvent } from '../model/changeEvent.js';
import type { ClaimFilter } from '../model/claimOrder.js';
import { wholeNumber } from '../model/validate.js';
import { validateName } from '../model/validate.js';
import type { CheckReport } from '../store/file/checkStore.js';
import type { RepairReport } from '../store/file/repairStore.js';
import { pruneAgents, unregisterAgent, type UnregisterReport } from './unregisterAgents.js';
import type { LiveReservation } from '../model/types.js';
import { checkPaths, listReservations, type CheckPathsReport, type ReservationFilter } from './checkPaths.js';
import { heldBack, type HeldBack } from './listReady.js';
import type { PathScope } from './repoRoot.js';
import { reservePaths, unreservePaths, type ReserveInput, type UnreserveReport } from './reservePaths.js';

export interface CoordinatorOptions extends ConfigOverrides {
  /** Where spans go; default: none. The CLI passes the journal tracer. */
  tracer?: Tracer;
  /** Record this process's start-up time on the first operation's span (the CLI sets it). */
  cliStartup?: boolean;
  /** Create the store if it does not exist (default true); false: NOT_FOUND instead. */
  create?: boolean;
  /** Environment to resolve settings from; default process.env (resolved by config.ts). */
  env?: Record<string, string | undefined>;
  /** An already resolved configuration (skips resolution). */
  config?: Readonly<Config>;
}

export class Coordinator {
  readonly config: Readonly<Config>;
  /** The agent this coordinator acts as: AGENT_ID, or a fresh agent_<ns> id. */
  readonly agentId: string;
  private readonly backend: StoreBackend;
  private readonly tracer: Tracer;
  /** Fencing tokens of the claims this coordinator made (claim, claimNext): used automatically. */
  private readonly tokens = new Map<string, number>();
  private closed = false;
  private startupPending = false;

  private constructor(config: Readonly<Config>, backend: StoreBackend, tracer: Tracer) {
    this.config = config;
    this.backend = backend;
    this.tracer = tracer;
    this.agentId = config.agentId ?? generateId('agent');
  }

  static async open(options: CoordinatorOptions = {}): Promise<Coordinator> {
    const { tracer, env, config: given, create, cliStartup: _startup, ...overrides } = options;
    const config = given ?? resolveConfig(overrides, env);
    // AGENT_ID names a key in the store like any other name: the same rules (README, Input rules).
    if (config.agentId !== undefined) validateName('AGENT_ID', config.agentId);
    const c = new Coordinator(config, await openStoreBackend(config, create ?? true), tracer ?? noopTracer);
    c.startupPending = !!options.cliStartup;
    return c;
  }

  /** Whether opening this coordinator created its store. */
  get createdStore(): boolean {
    return this.backend.created;
  }

  get shards(): number {
    return this.backend.shards;
  }

  /** Which store this coordinator uses: `file` and its directory. */
  get store(): { kind: string; location: string } {
    return { kind: this.backend.kind, location: this.backend.location };
  }

  async claim(input: ClaimInput): Promise<WorkItem> {
    return this.remember(await this.run('claim', { 'work.type': input.workType, 'work.team': input.team ?? '' }, (ctx) => claimWork(ctx, input)));
  }

  progress(workId: string, percent: number, status?: string, proof: OwnerProof = {}): Promise<WorkItem> {
    return this.run('progress', {}, (ctx) => progressWork(ctx, workId, percent, status, this.proof(workId, proof)));
  }

  /** Enqueues an unclaimed item (waiting until `dependsOn` items are completed). */
  add(input: AddInput): Promise<WorkItem> {
    return this.run('add', { 'work.type': input.workType, 'work.team': input.team ?? '' }, (ctx) => addWork(ctx, input));
  }

  /**
   * Claims the best claimable item. Throws NOTHING_CLAIMABLE, or with `waitSeconds` blocks until
   * something is claimable (woken by file changes) or the time is up.
   */
  async claimNext(input: ClaimNextInput & { waitSeconds?: number } = {}): Promise<WorkItem> {
    const { waitSeconds, ...rest } = input;
    const wait = waitSeconds === undefined ? 0 : wholeNumber('wait', waitSeconds);
    const attrs = { 'work.type': input.workType ?? '', 'work.team': input.team ?? '', 'claim.wait_s': wait };
    return this.remember(await this.run('claim_next', attrs, (ctx) => (wait > 0 ? claimNextWaiting(ctx, rest, wait) : claimNext(ctx, rest))));
  }

  /** Items claim-next would hand out now, in that order. */
  ready(input: ClaimFilter & { limit?: number } = {}): Promise<WorkItem[]> {
    return this.run('ready', {}, (ctx) => listReady(ctx, input));
  }

  /** Claimable items that claim-next passes over now because their declared paths conflict with live reservations, with why. */
  heldBack(input: ClaimFilter & { limit?: number } = {}): Promise<HeldBack[]> {
    return this.run('held_back', {}, (ctx) => heldBack(ctx, input));
  }

  /**
   * Reserves paths or globs for the claim `workId` (relative to `root`, default the git top level),
   * all or nothing. Throws CONFLICT (details.conflicts) when another live claim holds an
   * overlapping one, NOT_OWNER for a claim that is not yours or a stale token.
   */
  reserve(workId: string, patterns: readonly string[], opts: ReserveInput & OwnerProof = {}): Promise<WorkItem> {
    const { token, force, ...input } = opts;
    return this.run('reserve', {}, (ctx) => reservePaths(ctx, workId, patterns, input, this.proof(workId, { token, force })));
  }

  /** Gives up reservations of the claim `workId`: the patterns as reserved, or every one with `null`. */
  unreserve(workId: string, patterns: readonly string[] | null, opts: PathScope & OwnerProof = {}): Promise<UnreserveReport> {
    const { token, force, ...scope } = opts;
    return this.run('unreserve', {}, (ctx) => unreservePaths(ctx, workId, patterns, scope, this.proof(workId, { token, force })));
  }

  /** Live reservations (of one agent, one claim, or overlapping one path when asked). */
  reservations(filter: ReservationFilter = {}): Promise<LiveReservation[]> {
    return this.run('reservations', {}, (ctx) => listReservations(ctx, filter));
  }

  /** Which of `files` live reservations of other agents cover (the git hook's question). */
  checkPaths(files: readonly string[], scope: PathScope = {}): Promise<CheckPathsReport> {
    return this.run('check_paths', {}, (ctx) => checkPaths(ctx, files, scope));
  }

  /** Renews the lease of one claim. */
  heartbeat(workId: string, proof: OwnerProof = {}): Promise<WorkItem> {
    return this.run('heartbeat', {}, (ctx) => progressWork(ctx, workId, undefined, undefined, this.proof(workId, proof)));
  }

  /** Agent-level heartbeat: registry entry and every lease this agent holds. */
  heartbeatAgent(): Promise<AgentHeartbeat> {
    return this.run('heartbeat_agent', {}, (ctx) => heartbeatAgent(ctx));
  }

  async release(workId: string, proof: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
    const item = await this.run('release', {}, (ctx) => releaseWork(ctx, workId, this.proof(workId, proof)));
    this.tokens.delete(workId);
    return item;
  }

  /** Gives up this attempt: back to the backlog after a retry delay, or dead after the last attempt. */
  async fail(workId: string, opts: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
    if (typeof opts !== 'object' || opts === null) throw new SwarmError('INVALID_INPUT', 'fail(workId, options): the reason goes in the options, as for release and cancel: fail(id, { reason })');
    const { reason, ...proof } = opts;
    const item = await this.run('fail', {}, (ctx) => failWork(ctx, workId, reason, this.proof(workId, proof)));
    this.tokens.delete(workId);
    return item;
  }

  requeue(workId: string): Promise<WorkItem> {
    return this.run('requeue', {}, (ctx) => requeueWork(ctx, workId));
  }

  cancel(workId: string, opts: OwnerProof & { reason?: string } = {}): Promise<WorkItem> {
    return this.run('cancel', {}, (ctx) => cancelWork(ctx, workId, opts));
  }

  /** Returns expired, orphaned and stale claims to the backlog now. */
  reap(): Promise<ReapReport> {
    return this.run('reap', {}, (ctx) => reapClaims(ctx));
  }

  /** Removes an agent from the registry; its live claims refuse it unless `force` (which releases them). */
  unregister(agentId: string, opts: { force?: boolean } = {}): Promise<UnregisterReport> {
    return this.run('unregister', {}, (ctx) => unregisterAgent(ctx, agentId, !!opts.force));
  }

  /** Removes agents with no sign of life for `olderThan` (seconds or 7d, 12h ...); those with claims only with `force`. */
  pruneAgents(opts: { olderThan: string | number; force?: boolean }): Promise<UnregisterReport> {
    return this.run('prune_agents', {}, (ctx) => pruneAgents(ctx, opts.olderThan, !!opts.force));
  }

  agents(): Promise<AgentLiveness[]> {
    return this.run('agents', {}, (ctx) => listAgents(ctx));
  }

  /** Reads every store file and reports damage (and notes), writing nothing. */
  fsck(): Promise<CheckReport> {
    return this.run('fsck', {}, (ctx) => (ctx.store.check ? ctx.store.check() : unsupported(ctx, 'fsck')));
  }

  /** Quarantines damaged files (never deleting), salvages what parses, one place per id, counters rebuilt. */
  repair(opts: { dryRun?: boolean } = {}): Promise<RepairReport> {
    return this.run('repair', {}, (ctx) => (ctx.store.repair ? ctx.store.repair(!!opts.dryRun) : unsupported(ctx, 'repair')));
  }

  /** Archives finished items older than a cutoff (gzip JSON Lines, read by list({archived})). */
  cleanup(input: CleanupInput = {}): Promise<CleanupReport> {
    return this.run('cleanup', {}, (ctx) => cleanupFinished(ctx, input));
  }

  async complete(workId: string, input: CompleteInput = {}): Promise<WorkItem> {
    const done = await this.run('complete', {}, (ctx) => completeWork(ctx, workId, this.proof(workId, input)));
    this.tokens.delete(workId);
    return done;
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

  /** The change log after `query.since` (everything without it), filtered by type; `cursor` resumes after it. */
  events(query: EventQuery = {}, onGap: (missing: string) => void = () => undefined): Promise<{ events: LoggedEvent[]; cursor: string | null; complete: boolean }> {
    return this.run('events', {}, async (ctx) => {
      const reader = new ChangeReader(ctx, query, await ctx.store.now());
      const events = await reader.next(onGap);
      return { events, cursor: reader.position, complete: reader.complete };
    });
  }

  /** Delivers the change log after `query.since`, then each new commit's events as they come, until `signal` aborts. */
  followEvents(query: EventQuery, deliver: (events: LoggedEvent[]) => Promise<void> | void, signal: AbortSignal, onGap: (missing: string) => void = () => undefined): Promise<void> {
    return this.run('events_follow', {}, async (ctx) => followChanges(ctx, new ChangeReader(ctx, query, await ctx.store.now()), deliver, onGap, signal));
  }

  /** Checks the change log against the store (exactly-once); see auditLog.ts. */
  audit(): Promise<AuditReport> {
    return this.run('audit', {}, (ctx) => auditLog(ctx));
  }

  importSwarmsh(sourceDir: string, opts: ImportOptions = {}): Promise<ImportReport> {
    return this.run('import_swarmsh', { 'import.source': sourceDir }, (ctx) => importSwarmsh(ctx, sourceDir, opts));
  }

  /** Remembers the fencing token of a claim this coordinator made, so later calls prove it. */
  private remember(item: WorkItem): WorkItem {
    if (item.fencing_token) this.tokens.set(item.work_item_id, item.fencing_token);
    return item;
  }

  /** The caller's proof, with this coordinator's own token for the claim when none is given. */
  private proof<P extends OwnerProof>(workId: string, proof: P): P {
    const token = this.tokens.get(workId);
    return proof.token === undefined && token !== undefined && !proof.force ? { ...proof, token } : proof;
  }

  /**
   * Flushes telemetry and lets go of the store. Safe to call twice. `exiting`: the process ends
   * right after (the CLI), so a database connection's goodbye is not waited for.
   */
  async close(options: { exiting?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tracer.shutdown();
    await this.backend.close(options);
  }

  private async run<T>(operation: string, attrs: Record<string, AttrValue>, fn: (ctx: OpContext) => Promise<T>): Promise<T> {
    const stats = newLockStats();
    const span = this.tracer.startSpan(`swarmfile.${operation}`, { 'swarmfile.operation': operation, 'agent.id': this.agentId, ...attrs });
    const ctx: OpContext = { store: this.backend.session(stats), config: this.config, agentId: this.agentId, lockStats: stats, span, waitMs: 0 };
    // A CLI call's process start-up (Node, loading, config) before its first operation: the cost
    // each call pays on top of the work, visible per call in `telemetry stats`.
    if (this.startupPending) {
      this.startupPending = false;
      span.setAttribute('cli.startup_ms', Math.round(process.uptime() * 1000 * 1000) / 1000);
    }
    let errorCode: string | undefined;
    try {
      return await withInjectedDelay(this.config.inject, this.config.injectDelayMs, operation, () => fn(ctx));
    } catch (err) {
      // "Nothing to claim" is claim-next's normal answer, not a failed operation.
      if (isSwarmError(err, 'NOTHING_CLAIMABLE')) span.setAttribute('swarmfile.outcome', 'NOTHING_CLAIMABLE');
      else errorCode = isSwarmError(err) ? err.code : 'INTERNAL';
      throw err;
    } finally {
      span.setAttribute('lock.wait_ms', Math.round(ctx.lockStats.waitMs * 1000) / 1000);
      span.setAttribute('lock.retries', ctx.lockStats.retries);
      if (ctx.lockStats.takeovers) span.setAttribute('lock.takeovers', ctx.lockStats.takeovers);
      if (ctx.lockStats.kills) span.setAttribute('lock.kills', ctx.lockStats.kills);
      if (ctx.waitMs) span.setAttribute('wait_ms', Math.round(ctx.waitMs * 1000) / 1000);
      span.end(errorCode);
    }
  }
}

function unsupported(ctx: OpContext, what: string): never {
  throw new SwarmError('INVALID_INPUT', `${what} checks the files of a file store; the ${ctx.store.kind} store at ${ctx.store.location} has none`);
}
