import type { AgentRecord, WorkItem } from '../model/types.js';
import type { OpContext } from './OpContext.js';
import type { TeamTotals } from '../store/WorkStore.js';
import { markBlocked } from './markBlocked.js';

export interface AgentView extends Partial<AgentRecord> {
  agent_id: string;
  active_work: number;
  tasks_completed: number;
  velocity_points: number;
  last_completed_at: string | null;
}

export interface Dashboard {
  generated_at: string;
  /** Which store this is: `file` and its directory. */
  store: { kind: string; location: string };
  shards: number;
  agents: AgentView[];
  active_work: WorkItem[];
  teams: Array<{ team: string; active_work: number } & TeamTotals>;
  /** `blocked`: waiting items of which a dependency is dead (see markBlocked). */
  totals: { active_work: number; queued: number; waiting: number; blocked: number; dead: number; tasks_completed: number; velocity_points: number };
}

/**
 * Agents (registered, or seen on claims), active work, queue sizes and per-team velocity. Reads
 * the registry, the active, backlog, waiting, dead and stats files: its cost grows with the queue,
 * not with completed history.
 */
export async function buildDashboard(ctx: OpContext): Promise<Dashboard> {
  await ctx.store.settle();
  const [registry, claims, totals, queued, waiting, dead] = await Promise.all([
    ctx.store.agents('dashboard'),
    ctx.store.list(['active'], 'dashboard'),
    ctx.store.totals('dashboard'),
    ctx.store.countQueued('dashboard'),
    ctx.store.list(['waiting'], 'dashboard'),
    ctx.store.list(['dead'], 'dashboard'),
  ]);
  const active = claims.sort((a, b) => (a.work_item_id < b.work_item_id ? -1 : 1));
  const agents = new Map<string, AgentView>();
  const agent = (id: string): AgentView => {
    let v = agents.get(id);
    if (!v) agents.set(id, (v = { agent_id: id, active_work: 0, tasks_completed: 0, velocity_points: 0, last_completed_at: null }));
    return v;
  };
  for (const r of registry) Object.assign(agent(r.agent_id), r);
  for (const w of active) if (w.agent_id) agent(w.agent_id).active_work++;
  const teams = new Map<string, { team: string; active_work: number } & TeamTotals>();
  const team = (name: string) => {
    let t = teams.get(name);
    if (!t) teams.set(name, (t = { team: name, active_work: 0, tasks_completed: 0, velocity_points: 0 }));
    return t;
  };
  for (const [id, a] of Object.entries(totals.agents)) {
    const v = agent(id);
    v.tasks_completed += a.tasks_completed;
    v.velocity_points += a.velocity_points;
    if (a.last_completed_at && (!v.last_completed_at || a.last_completed_at > v.last_completed_at)) v.last_completed_at = a.last_completed_at;
  }
  for (const [name, t] of Object.entries(totals.teams)) {
    const tt = team(name);
    tt.tasks_completed += t.tasks_completed;
    tt.velocity_points += t.velocity_points;
  }
  for (const w of active) team(w.team).active_work++;
  const teamList = [...teams.values()].sort((a, b) => b.velocity_points - a.velocity_points || a.team.localeCompare(b.team));
  return {
    generated_at: new Date(ctx.config.clock()).toISOString(),
    store: { kind: ctx.store.kind, location: ctx.store.location },
    shards: ctx.store.shards,
    agents: [...agents.values()].sort((a, b) => a.agent_id.localeCompare(b.agent_id)),
    active_work: active,
    teams: teamList,
    totals: {
      active_work: active.length,
      queued,
      waiting: waiting.length,
      blocked: markBlocked(waiting, new Set(dead.map((w) => w.work_item_id))).filter((w) => w.blocked_by).length,
      dead: dead.length,
      tasks_completed: teamList.reduce((s, t) => s + t.tasks_completed, 0),
      velocity_points: teamList.reduce((s, t) => s + t.velocity_points, 0),
    },
  };
}
