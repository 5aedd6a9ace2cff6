/**
 * Reads a store directory with plain fs + JSON.parse (not through swarmfile's code) and checks
 * the invariants every test relies on. Throws with a precise message on the first violation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Item {
  work_item_id: string;
  agent_id: string | null;
  status: string;
  team: string;
  progress: number;
  velocity_points?: number;
  description: string;
  [k: string]: unknown;
}

export interface StoreState {
  active: Map<string, Item>;
  completed: Map<string, Item>;
  statsTeams: Map<string, { tasks_completed: number; velocity_points: number }>;
  statsAgentsTotal: number;
  leftovers: string[];
}

export function readStore(dir: string): StoreState {
  const files = readdirSync(dir);
  const active = new Map<string, Item>();
  const completed = new Map<string, Item>();
  const statsTeams = new Map<string, { tasks_completed: number; velocity_points: number }>();
  let statsAgentsTotal = 0;
  for (const f of files) {
    const p = join(dir, f);
    if (/^work_claims\.\d{3}\.json$/.test(f)) {
      const arr = JSON.parse(readFileSync(p, 'utf8')) as Item[]; // throws on invalid JSON
      if (!Array.isArray(arr)) throw new Error(`${f} is not an array`);
      for (const w of arr) {
        if (active.has(w.work_item_id)) throw new Error(`duplicate active id ${w.work_item_id}`);
        active.set(w.work_item_id, w);
      }
    } else if (/^work_completed\.\d{3}\.jsonl$/.test(f)) {
      const text = readFileSync(p, 'utf8');
      if (text.length && !text.endsWith('\n')) throw new Error(`${f} has a torn last line`);
      for (const line of text.split('\n')) {
        if (!line) continue;
        const w = JSON.parse(line) as Item;
        if (completed.has(w.work_item_id)) throw new Error(`completion of ${w.work_item_id} recorded twice`);
        if (w.status !== 'completed') throw new Error(`${w.work_item_id} in completed log with status ${w.status}`);
        completed.set(w.work_item_id, w);
      }
    } else if (/^agent_stats\.\d{3}\.json$/.test(f)) {
      const s = JSON.parse(readFileSync(p, 'utf8')) as { agents: Record<string, { tasks_completed: number }>; teams: Record<string, { tasks_completed: number; velocity_points: number }> };
      for (const a of Object.values(s.agents)) statsAgentsTotal += a.tasks_completed;
      for (const [t, v] of Object.entries(s.teams)) {
        const cur = statsTeams.get(t) ?? { tasks_completed: 0, velocity_points: 0 };
        cur.tasks_completed += v.tasks_completed;
        cur.velocity_points += v.velocity_points;
        statsTeams.set(t, cur);
      }
    } else if (f === 'agent_status.json' || f === 'swarmfile.json') {
      JSON.parse(readFileSync(p, 'utf8'));
    }
  }
  const leftovers = files.filter((f) => f.endsWith('.intent') || /\.[0-9a-f]{1,16}$/.test(f) || f.endsWith('.lock') || f.endsWith('.takeover'));
  return { active, completed, statsTeams, statsAgentsTotal, leftovers };
}

/** No item both active and completed; counters agree exactly with the completed log. */
export function assertConsistent(s: StoreState): void {
  for (const id of s.active.keys()) if (s.completed.has(id)) throw new Error(`${id} is both active and completed`);
  const byTeam = new Map<string, { tasks_completed: number; velocity_points: number }>();
  for (const w of s.completed.values()) {
    const t = byTeam.get(w.team) ?? { tasks_completed: 0, velocity_points: 0 };
    t.tasks_completed++;
    t.velocity_points += w.velocity_points ?? 0;
    byTeam.set(w.team, t);
  }
  const fmt = (m: Map<string, unknown>) => JSON.stringify([...m.entries()].sort());
  if (fmt(byTeam) !== fmt(s.statsTeams)) throw new Error(`team counters ${fmt(s.statsTeams)} disagree with completed log ${fmt(byTeam)}`);
  if (s.statsAgentsTotal !== s.completed.size) throw new Error(`agent counters total ${s.statsAgentsTotal} != ${s.completed.size} completions`);
}
