/**
 * The MCP server's tools: one per CLI command an agent uses, with the CLI's field names, calling
 * the library (Coordinator) as the command does, so validation, error codes and fencing are the
 * CLI's. Each answers a short line naming the item and, as data, what the command's --json prints
 * (an array wrapped as {items} or {reservations}: structured content is an object). Descriptions
 * are one line: agents pay for every word in context.
 */
import type { z } from 'zod';
import type { Coordinator } from '../coordinator/Coordinator.js';
import { SwarmError } from '../errors.js';
import { conflictError, conflictRecord } from '../model/pathConflicts.js';
import type { WorkItem } from '../model/types.js';
import { ARG, argumentsOf, flag, text, whole } from './toolArguments.js';
import type { ToolAnswer } from './toolResult.js';

/** What a tool acts through: the server's coordinator and its record of the claims it holds. */
export interface ToolEnv {
  /** 'read' for tools that need an existing store (a missing one is NOT_FOUND, as in the CLI). */
  coordinator(mode: 'read' | 'write'): Promise<Coordinator>;
  /** The server now holds this claim: it renews it while it runs. */
  holds(workId: string): void;
  /** The claim ended (completed, failed, released). */
  ended(workId: string): void;
}

export interface McpTool {
  name: string;
  description: string;
  input: z.ZodObject;
  run(env: ToolEnv, args: unknown): Promise<ToolAnswer>;
}

function tool<S extends z.ZodRawShape>(name: string, description: string, shape: S, run: (env: ToolEnv, args: z.infer<z.ZodObject<S>>) => Promise<ToolAnswer>): McpTool {
  return { name, description, input: argumentsOf(shape), run: (env, args) => run(env, args as z.infer<z.ZodObject<S>>) };
}

const itemData = (item: WorkItem) => item as unknown as Record<string, unknown>;
/** `: id, id, ...` naming the items, or nothing. */
const named = (workIds: readonly string[]) => (workIds.length ? `: ${workIds.join(', ')}` : '');
const ids = (items: readonly WorkItem[]) => named(items.map((w) => w.work_item_id));

/** The claim tools: the server holds what they hand out. */
function claimed(env: ToolEnv, item: WorkItem, line: string): ToolAnswer {
  env.holds(item.work_item_id);
  return { line, data: itemData(item) };
}

/** A tool that ends a claim. */
async function ending(env: ToolEnv, workId: string, end: (c: Coordinator) => Promise<WorkItem>, line: (item: WorkItem) => string): Promise<ToolAnswer> {
  const item = await end(await env.coordinator('read'));
  env.ended(workId);
  return { line: line(item), data: itemData(item) };
}

export const MCP_TOOLS: readonly McpTool[] = [
  tool(
    'claim_next',
    'Claim the best claimable backlog item (priority, then age); wait_seconds blocks until one is.',
    { work_type: ARG.type_filter, team: ARG.team_filter, wait_seconds: whole('wait_seconds', 'block up to this long (default 0)').optional(), lease_seconds: ARG.lease_seconds },
    async (env, a) => {
      const item = await (await env.coordinator('write')).claimNext({ workType: a.work_type, team: a.team, waitSeconds: a.wait_seconds, leaseSeconds: a.lease_seconds });
      return claimed(env, item, `claimed ${item.work_item_id} (${item.work_type}, ${item.priority}): ${item.description.length > 120 ? `${item.description.slice(0, 119)}…` : item.description}`);
    },
  ),
  tool(
    'claim',
    'Create a work item already claimed by you.',
    { work_type: ARG.work_type, description: ARG.description, priority: ARG.priority, team: ARG.team, lease_seconds: ARG.lease_seconds },
    async (env, a) => {
      const item = await (await env.coordinator('write')).claim({ workType: a.work_type, description: a.description, priority: a.priority, team: a.team, leaseSeconds: a.lease_seconds });
      return claimed(env, item, `claimed ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team})`);
    },
  ),
  tool(
    'add',
    'Enqueue an unclaimed item in the backlog.',
    {
      work_type: ARG.work_type,
      description: ARG.description,
      priority: ARG.priority,
      team: ARG.team,
      depends_on: text('an item id').array().optional().describe('ids that must be completed first'),
      paths: ARG.paths.optional().describe('paths or globs it will touch: reserved with its claim'),
    },
    async (env, a) => {
      const item = await (await env.coordinator('write')).add({ workType: a.work_type, description: a.description, priority: a.priority, team: a.team, dependsOn: a.depends_on, paths: a.paths });
      return { line: `queued ${item.work_item_id} (${item.work_type}, ${item.priority}, ${item.team})${item.status === 'waiting' ? `, waiting for ${item.depends_on!.join(', ')}` : ''}`, data: itemData(item) };
    },
  ),
  tool(
    'progress',
    'Record progress on your claim (renews its lease).',
    { work_id: ARG.work_id, percent: whole('percent', '0..100'), status: text('default in_progress; e.g. review, blocked').optional() },
    async (env, a) => {
      const item = await (await env.coordinator('read')).progress(a.work_id, a.percent, a.status);
      return { line: `${item.work_item_id}: ${item.progress}% ${item.status}`, data: itemData(item) };
    },
  ),
  tool(
    'complete',
    'Finish your claim; credits you and your team.',
    { work_id: ARG.work_id, result: text('outcome (default success)').optional(), velocity_points: whole('velocity_points', '0..1000 (default 5)').optional() },
    (env, a) =>
      ending(env, a.work_id, (c) => c.complete(a.work_id, { result: a.result, velocityPoints: a.velocity_points }), (item) => `completed ${item.work_item_id}: ${item.result} (+${item.velocity_points} points for ${item.team})`),
  ),
  tool('fail', 'Report a failed attempt: retried after a backoff, dead after the last attempt.', { work_id: ARG.work_id, reason: ARG.reason }, (env, a) =>
    ending(env, a.work_id, (c) => c.fail(a.work_id, { reason: a.reason }), (item) => (item.status === 'dead' ? `${item.work_item_id} is dead after ${item.attempts} attempts` : `${item.work_item_id} failed (attempt ${item.attempts}); retry after ${item.retry_at}`)),
  ),
  tool('release', 'Give your claim back to the backlog (attempt count unchanged).', { work_id: ARG.work_id, reason: ARG.reason }, (env, a) =>
    ending(env, a.work_id, (c) => c.release(a.work_id, { reason: a.reason }), (item) => `released ${item.work_item_id} to the backlog`),
  ),
  tool('heartbeat', "Renew a claim's lease; without work_id, all of yours (this server also renews its claims itself).", { work_id: ARG.work_id.optional() }, async (env, a) => {
    const c = await env.coordinator('write');
    if (a.work_id) {
      const item = await c.heartbeat(a.work_id);
      return { line: `${item.work_item_id}: lease until ${item.lease_expires_at}`, data: itemData(item) };
    }
    const hb = await c.heartbeatAgent();
    return { line: `${c.agentId}: ${hb.renewed.length} lease(s) renewed${named(hb.renewed)}`, data: { ...hb } };
  }),
  tool('show', 'One item, wherever it is.', { work_id: ARG.work_id }, async (env, a) => {
    const item = await (await env.coordinator('read')).show(a.work_id);
    return { line: `${item.work_item_id}: ${item.status}, ${item.progress}%, ${item.agent_id || 'unclaimed'}`, data: itemData(item) };
  }),
  tool(
    'list',
    'Unfinished items, oldest first (all: finished too).',
    { status: text('pending, waiting, dead, active, completed, cancelled, or a claim status').optional(), team: ARG.team_filter, agent_id: text('only this agent').optional(), all: flag('include finished items'), archived: flag('read the cleanup archives instead') },
    async (env, a) => {
      const items = await (await env.coordinator('read')).list({ status: a.status, team: a.team, agentId: a.agent_id, all: a.all, archived: a.archived });
      return { line: `${items.length} item(s)${ids(items)}`, data: { items } };
    },
  ),
  tool('ready', 'What claim_next would hand out now, in order, and what reserved paths hold back.', { work_type: ARG.type_filter, team: ARG.team_filter, limit: whole('limit', 'at most this many').optional() }, async (env, a) => {
    const c = await env.coordinator('read');
    const filter = { workType: a.work_type, team: a.team, limit: a.limit };
    const held = await c.heldBack(filter);
    const items = await c.ready(filter);
    const held_back = held.map((h) => ({ work_item_id: h.item.work_item_id, held_back_by: h.conflicts.map(conflictRecord) }));
    return { line: `${items.length} claimable${ids(items)}${held.length ? `; held back by reserved paths${ids(held.map((h) => h.item))}` : ''}`, data: { items, held_back } };
  }),
  tool('dashboard', 'Agents, active work, queue sizes and team velocity.', {}, async (env) => {
    const d = await (await env.coordinator('read')).dashboard();
    const t = d.totals;
    return { line: `${t.active_work} active, ${t.queued} queued, ${t.waiting} waiting, ${t.dead} dead, ${t.tasks_completed} completed`, data: { ...d } };
  }),
  tool(
    'reserve',
    "Reserve paths for your claim, all or nothing (CONFLICT if another live claim holds one); they end with the claim.",
    { work_id: ARG.work_id, paths: ARG.paths, shared: flag("a reader's reservation: conflicts with exclusive ones only"), reason: ARG.reason },
    async (env, a) => {
      const item = await (await env.coordinator('read')).reserve(a.work_id, a.paths, { shared: a.shared, reason: a.reason });
      const reserved = item.reserved_paths ?? [];
      return { line: `reserved for ${item.work_item_id}: ${reserved.map((r) => `${r.path}${r.shared ? ' (shared)' : ''}`).join(', ')}`, data: { work_item_id: item.work_item_id, fencing_token: item.fencing_token, reserved_paths: reserved } };
    },
  ),
  tool('unreserve', 'Give up reservations of your claim: the paths given, or all.', { work_id: ARG.work_id, paths: ARG.paths.optional(), all: flag('every reservation of the claim') }, async (env, a) => {
    if (!a.all && !a.paths) throw new SwarmError('INVALID_INPUT', 'unreserve: give the paths to give up, or all: true', { field: 'paths' });
    const r = await (await env.coordinator('read')).unreserve(a.work_id, a.all ? null : a.paths!);
    return { line: `${r.item.work_item_id}: gave up ${r.removed.length} reservation(s)${r.not_held.length ? `; not reserved: ${r.not_held.join(', ')}` : ''}`, data: { work_item_id: r.item.work_item_id, removed: r.removed, not_held: r.not_held, reserved_paths: r.item.reserved_paths ?? [] } };
  }),
  tool('reservations', 'Live reservations: path, holder, claim, lease.', { agent_id: text('only this agent').optional(), work_id: text('only this claim').optional(), path: text('only those overlapping this path or glob').optional() }, async (env, a) => {
    const list = await (await env.coordinator('read')).reservations({ agentId: a.agent_id, workId: a.work_id, path: a.path });
    return { line: `${list.length} live reservation(s)${list.length ? `: ${list.map((r) => `${r.path} (${r.work_item_id})`).join(', ')}` : ''}`, data: { reservations: list } };
  }),
  tool('check_paths', "Check that no other agent's live claim reserved these files (CONFLICT if one did).", { paths: ARG.paths.describe('files, relative to the project directory') }, async (env, a) => {
    const report = await (await env.coordinator('read')).checkPaths(a.paths);
    if (report.conflicts.length) throw conflictError(`check_paths (${report.files.length} file(s) checked)`, report.conflicts);
    return { line: `${report.files.length} file(s) checked: none reserved by another agent`, data: { files: report.files, conflicts: [] } };
  }),
];
