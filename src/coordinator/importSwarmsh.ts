/**
 * Brings an existing SwarmSH coordination directory into the store: work_claims.json,
 * work_claims_fast.jsonl, agent_status.json and coordination_log.json. Whatever cannot be read
 * (a corrupt file, a bad line, a record that fails validation) is reported, never guessed at.
 * Ids already in the store are skipped, so running it twice imports nothing twice.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { SwarmError, ioError } from '../errors.js';
import { isoMs, isoSeconds } from '../model/now.js';
import { releaseWork } from './releaseWork.js';
import { DEFAULT_PRIORITY, DEFAULT_TEAM, PRIORITIES, type AgentRecord, type Priority, type WorkItem } from '../model/types.js';
import { validateName, validateText, validateWorkId } from '../model/validate.js';
import type { OpContext } from './OpContext.js';

export interface ImportProblem {
  file: string;
  line?: number;
  work_item_id?: string;
  reason: string;
}

/** A value SwarmSH allowed that swarmfile stores differently, by a documented rule. */
export interface ImportChange {
  work_item_id: string;
  field: string;
  from: unknown;
  to: unknown;
  rule: string;
}

export interface ImportOptions {
  /** Report what would be imported, changed and skipped; write nothing. */
  dryRun?: boolean;
  /**
   * Imported active claims: `keep` them claimed, with a fresh lease from the import (reclaimed by
   * lease like any claim if their agent does not renew it), or `release` them to the backlog.
   */
  claims?: 'keep' | 'release';
}

export interface ImportReport {
  source: string;
  dry_run: boolean;
  files_read: string[];
  active_imported: number;
  completed_imported: number;
  agents_imported: number;
  skipped_existing: number;
  /** Claims kept (with a lease until `lease_until`) or released to the backlog (`--claims`). */
  claims: { mode: 'keep' | 'release'; kept: number; released: number; lease_until: string | null };
  changes: ImportChange[];
  problems: ImportProblem[];
}

/** SwarmSH priorities swarmfile does not have, and what they become. */
export const PRIORITY_MAP: Readonly<Record<string, Priority>> = { urgent: 'critical', highest: 'critical', p0: 'critical', p1: 'high', normal: 'medium', p2: 'medium', lowest: 'low', p3: 'low' };
/** Fields of a SwarmSH record that swarmfile knows; any other is kept in `extra`. */
const KNOWN = new Set(['work_item_id', 'agent_id', 'work_type', 'description', 'priority', 'team', 'status', 'progress', 'claimed_at', 'completed_at', 'last_update', 'result', 'velocity_points']);

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

async function readText(path: string): Promise<string | null> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(err, 'reading', path);
  }
}

/** Turns one SwarmSH record into a WorkItem, or throws INVALID_INPUT saying why not; records each change. */
function toWorkItem(raw: Raw, now: string, changes: ImportChange[], teamOf: ReadonlyMap<string, string>): WorkItem {
  if (raw.work_item_id === undefined || raw.work_item_id === null || raw.work_item_id === '') throw new Error('record has no work_item_id');
  const id = validateWorkId(raw.work_item_id);
  const change = (field: string, from: unknown, to: unknown, rule: string) => changes.push({ work_item_id: id, field, from, to, rule });
  let priority: Priority = DEFAULT_PRIORITY;
  if (raw.priority !== undefined) {
    const p = String(raw.priority).toLowerCase();
    if ((PRIORITIES as readonly string[]).includes(p)) priority = p as Priority;
    else {
      priority = PRIORITY_MAP[p] ?? DEFAULT_PRIORITY;
      change('priority', raw.priority, priority, PRIORITY_MAP[p] ? 'mapped (README: import-swarmsh)' : 'unknown priority: medium');
    }
  }
  const status = str(raw.status) ?? 'active';
  const time = (field: string): string | undefined => {
    const v = str(raw[field]);
    if (v === undefined) return undefined;
    if (Number.isFinite(Date.parse(v))) return v;
    change(field, v, null, 'not a time: dropped');
    return undefined;
  };
  const completedAt = time('completed_at');
  // A record known only from the completion log has no claim time: its own times, never "now".
  const claimedAt = time('claimed_at') ?? completedAt ?? now;
  const agent = raw.agent_id == null ? null : validateName('agent_id', raw.agent_id);
  const item: WorkItem = {
    work_item_id: id,
    agent_id: agent,
    work_type: validateName('work_type', str(raw.work_type) ?? 'imported'),
    description: validateText('description', str(raw.description) ?? '(no description)'),
    priority,
    team: validateName('team', str(raw.team) ?? (agent ? teamOf.get(agent) : undefined) ?? DEFAULT_TEAM),
    status: validateName('status', status),
    progress: Math.min(100, Math.max(0, Math.round(num(raw.progress) ?? (status === 'completed' ? 100 : 0)))),
    created_at: claimedAt,
    claimed_at: claimedAt,
    last_update: time('last_update') ?? completedAt ?? claimedAt,
  };
  if (status === 'completed') {
    item.completed_at = completedAt ?? item.last_update;
    item.result = validateText('result', str(raw.result) ?? 'success');
    item.velocity_points = Math.max(0, Math.round(num(raw.velocity_points) ?? 0));
  }
  const extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !KNOWN.has(k)));
  if (Object.keys(extra).length) item.extra = extra;
  return item;
}

export async function importSwarmsh(ctx: OpContext, sourceDir: string, opts: ImportOptions = {}): Promise<ImportReport> {
  const mode = opts.claims ?? 'keep';
  if (mode !== 'keep' && mode !== 'release') throw new SwarmError('INVALID_INPUT', `--claims must be keep or release, got ${JSON.stringify(mode)}`);
  const report: ImportReport = { source: sourceDir, dry_run: !!opts.dryRun, files_read: [], active_imported: 0, completed_imported: 0, agents_imported: 0, skipped_existing: 0, claims: { mode, kept: 0, released: 0, lease_until: null }, changes: [], problems: [] };
  const problem = (p: ImportProblem) => report.problems.push(p);
  const now = isoSeconds(ctx.config.clock());
  const raws: Array<{ raw: Raw; file: string; line?: number }> = [];

  const loadArray = async (name: string): Promise<unknown[] | null> => {
    const text = await readText(join(sourceDir, name));
    if (text === null) return null;
    report.files_read.push(name);
    try {
      const v = JSON.parse(text) as unknown;
      if (Array.isArray(v)) return v;
      problem({ file: name, reason: 'is not a JSON array' });
    } catch (err) {
      problem({ file: name, reason: `is not valid JSON: ${(err as Error).message}` });
    }
    return null;
  };

  for (const [i, r] of ((await loadArray('work_claims.json')) ?? []).entries()) {
    if (isObj(r)) raws.push({ raw: r, file: 'work_claims.json' });
    else problem({ file: 'work_claims.json', line: i + 1, reason: 'entry is not an object' });
  }
  const fast = await readText(join(sourceDir, 'work_claims_fast.jsonl'));
  if (fast !== null) {
    report.files_read.push('work_claims_fast.jsonl');
    fast.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const r = JSON.parse(line) as unknown;
        if (isObj(r)) raws.push({ raw: r, file: 'work_claims_fast.jsonl', line: i + 1 });
        else problem({ file: 'work_claims_fast.jsonl', line: i + 1, reason: 'line is not a JSON object' });
      } catch (err) {
        problem({ file: 'work_claims_fast.jsonl', line: i + 1, reason: `not valid JSON: ${(err as Error).message}` });
      }
    });
  }
  // Completion entries finish the claims they name; unknown ids become completed records of their own.
  const completions = new Map<string, Raw>();
  for (const [i, r] of ((await loadArray('coordination_log.json')) ?? []).entries()) {
    if (isObj(r) && typeof r.work_item_id === 'string') completions.set(r.work_item_id, r);
    else problem({ file: 'coordination_log.json', line: i + 1, reason: 'entry has no work_item_id' });
  }
  const agentsRaw = (await loadArray('agent_status.json')) ?? [];
  if (report.files_read.length === 0) {
    throw new SwarmError('NOT_FOUND', `${sourceDir} holds none of work_claims.json, work_claims_fast.jsonl, agent_status.json, coordination_log.json`, { path: sourceDir });
  }

  const agents: AgentRecord[] = [];
  for (const [i, r] of agentsRaw.entries()) {
    try {
      if (!isObj(r)) throw new Error('entry is not an object');
      agents.push({
        agent_id: validateName('agent_id', r.agent_id),
        team: validateName('team', str(r.team) ?? DEFAULT_TEAM),
        capacity: Math.max(1, Math.round(num(r.capacity) ?? 100)),
        specialization: validateName('specialization', str(r.specialization) ?? 'general_development'),
        status: validateName('status', str(r.status) ?? 'active'),
        registered_at: str(r.registered_at) ?? str(r.last_heartbeat) ?? now,
        // Kept claims get a fresh lease from the import; their agents count as heard from now, so
        // the first scan after the import does not reclaim them all as stale without notice.
        last_heartbeat: mode === 'keep' ? now : (str(r.last_heartbeat) ?? now),
        pid: 0,
        host: '',
      });
    } catch (err) {
      problem({ file: 'agent_status.json', line: i + 1, reason: (err as Error).message });
    }
  }

  const teamOf = new Map(agents.map((a) => [a.agent_id, a.team]));
  const items = new Map<string, WorkItem>();
  const add = (raw: Raw, file: string, line?: number) => {
    try {
      const item = toWorkItem(raw, now, report.changes, teamOf);
      items.set(item.work_item_id, item);
    } catch (err) {
      problem({ file, ...(line ? { line } : {}), ...(typeof raw.work_item_id === 'string' ? { work_item_id: raw.work_item_id } : {}), reason: (err as Error).message });
    }
  };
  for (const { raw, file, line } of raws) {
    const done = typeof raw.work_item_id === 'string' ? completions.get(raw.work_item_id) : undefined;
    add(done ? { ...raw, ...done, status: 'completed' } : raw, file, line);
  }
  for (const [id, done] of completions) if (!items.has(id)) add({ ...done, status: 'completed' }, 'coordination_log.json');

  const leaseUntil = isoMs(ctx.config.clock() + ctx.config.leaseTtlSeconds * 1000);
  // An imported claim is a claim like any other: it has a lease, renewed by its agent or reclaimed.
  const batch = {
    active: [...items.values()].filter((w) => w.status !== 'completed').map((w) => ({ ...w, fencing_token: 1, attempts: 0, lease_expires_at: leaseUntil, claim_pid: null, claim_host: null })),
    finished: [...items.values()].filter((w) => w.status === 'completed'),
    agents,
  };
  const outcome = await ctx.store.importBatch(batch, !!opts.dryRun);
  report.active_imported = outcome.active.length;
  report.completed_imported = outcome.finished;
  report.agents_imported = outcome.agents;
  report.skipped_existing = outcome.skipped;
  const claimed = new Set(batch.active.filter((w) => w.agent_id).map((w) => w.work_item_id));
  const imported = outcome.active.filter((id) => claimed.has(id));
  if (mode === 'keep') {
    report.claims.kept = imported.length;
    report.claims.lease_until = imported.length ? leaseUntil : null;
  } else if (!opts.dryRun) {
    for (const id of imported) {
      await releaseWork(ctx, id, { force: true, reason: 'import-swarmsh --claims release' });
      report.claims.released++;
    }
  } else report.claims.released = imported.length;
  return report;
}
