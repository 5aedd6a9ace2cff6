/**
 * Reads a store directory with plain fs + JSON.parse (not through swarmfile's code) and checks
 * the invariants every test relies on. Throws with a precise message on the first violation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Item {
  work_item_id: string;
  agent_id: string | null;
  status: string;
  team: string;
  progress: number;
  velocity_points?: number;
  description: string;
  /** Work queue fields (absent on items made by `claim` before the queue existed). */
  fencing_token?: number;
  attempts?: number;
  failures?: { at: string; outcome: string; agent_id: string | null; fencing_token: number; reason?: string }[];
  lease_expires_at?: string | null;
  claim_pid?: number | null;
  [k: string]: unknown;
}

export interface StoreState {
  active: Map<string, Item>;
  completed: Map<string, Item>;
  /** Cancelled items (status `cancelled` in the finished logs). */
  cancelled: Map<string, Item>;
  /** Queued items, from every backlog segment `backlog.<rank>.<seq>.json`. */
  backlog: Map<string, Item>;
  /** The segment file each queued item was found in. */
  backlogFile: Map<string, string>;
  /** `work_waiting.json`: items waiting on dependencies. */
  waiting: Map<string, Item>;
  /** `work_dead.json`: the dead-letter list. */
  dead: Map<string, Item>;
  statsTeams: Map<string, { tasks_completed: number; velocity_points: number }>;
  statsAgentsTotal: number;
  leftovers: string[];
}

export function readStore(dir: string): StoreState {
  const files = readdirSync(dir);
  const active = new Map<string, Item>();
  const completed = new Map<string, Item>();
  const cancelled = new Map<string, Item>();
  const backlog = new Map<string, Item>();
  const backlogFile = new Map<string, string>();
  const waiting = new Map<string, Item>();
  const dead = new Map<string, Item>();
  const readList = (f: string, into: Map<string, Item>, what: string) => {
    const arr = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Item[]; // throws on invalid JSON
    if (!Array.isArray(arr)) throw new Error(`${f} is not an array`);
    for (const w of arr) {
      if (typeof w?.work_item_id !== 'string') throw new Error(`${f} holds an entry without a work_item_id`);
      if (into.has(w.work_item_id)) throw new Error(`duplicate ${what} id ${w.work_item_id} (${f})`);
      into.set(w.work_item_id, w);
      if (what === 'queued') backlogFile.set(w.work_item_id, f);
    }
  };
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
    } else if (/^work_completed\.\d{3}\.jsonl$/.test(f) || f === 'archive') {
      // Finished items live in the completed logs, or in cleanup's gzip archives: once in all of them.
      const text =
        f === 'archive'
          ? readdirSync(p)
              .filter((a) => a.endsWith('.jsonl.gz'))
              .map((a) => gunzipSync(readFileSync(join(p, a))).toString('utf8'))
              .join('')
          : readFileSync(p, 'utf8');
      if (text.length && !text.endsWith('\n')) throw new Error(`${f} has a torn last line`);
      for (const line of text.split('\n')) {
        if (!line) continue;
        const w = JSON.parse(line) as Item;
        if (completed.has(w.work_item_id)) throw new Error(`completion of ${w.work_item_id} recorded twice`);
        if (cancelled.has(w.work_item_id)) throw new Error(`${w.work_item_id} recorded twice in the finished logs (cancelled, then ${w.status})`);
        if (w.status === 'cancelled') {
          cancelled.set(w.work_item_id, w);
          continue;
        }
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
    } else if (/^backlog\.[0-3]\.\d{9}\.json$/.test(f)) {
      readList(f, backlog, 'queued');
    } else if (f === 'work_waiting.json') {
      readList(f, waiting, 'waiting');
    } else if (f === 'work_dead.json') {
      readList(f, dead, 'dead');
    } else if (f === 'agent_status.json' || f === 'swarmfile.json') {
      JSON.parse(readFileSync(p, 'utf8'));
    }
  }
  const leftovers = files.filter((f) => f.endsWith('.intent') || /\.[0-9a-f]{1,16}$/.test(f) || f.endsWith('.lock') || f.endsWith('.takeover'));
  return { active, completed, cancelled, backlog, backlogFile, waiting, dead, statsTeams, statsAgentsTotal, leftovers };
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

/** Where an item is: one of the store's places (`finished` covers completed and cancelled). */
export type Place = 'backlog' | 'active' | 'waiting' | 'dead' | 'completed' | 'cancelled';

/** Every place each id was found in (an id in more than one place is a lost exactly-once). */
export function placesOf(s: StoreState): Map<string, Place[]> {
  const places = new Map<string, Place[]>();
  const add = (m: Map<string, Item>, place: Place) => {
    for (const id of m.keys()) places.set(id, [...(places.get(id) ?? []), place]);
  };
  add(s.backlog, 'backlog');
  add(s.active, 'active');
  add(s.waiting, 'waiting');
  add(s.dead, 'dead');
  add(s.completed, 'completed');
  add(s.cancelled, 'cancelled');
  return places;
}

/**
 * Exactly once: every id appears in exactly one place (backlog, active, waiting, dead, or once
 * in the finished logs; readStore already rejects a second finished record). With `ids`, every
 * one of them must be present and no other id may be.
 */
export function assertExactlyOnce(s: StoreState, ids?: Iterable<string>): Map<string, Place> {
  const places = placesOf(s);
  const problems: string[] = [];
  for (const [id, at] of places) if (at.length !== 1) problems.push(`${id} is in ${at.join(' and ')}`);
  if (ids) {
    const expected = new Set(ids);
    for (const id of expected) if (!places.has(id)) problems.push(`${id} is nowhere in the store`);
    for (const id of places.keys()) if (!expected.has(id)) problems.push(`${id} is in the store but was never added`);
  }
  if (problems.length) throw new Error(`exactly-once violated (${problems.length}): ${problems.slice(0, 10).join('; ')}`);
  return new Map([...places].map(([id, at]) => [id, at[0]!]));
}

/**
 * Work-queue agent logs (test/helpers/queueWorker.mjs and the CLI loops in the work-queue tests):
 * one line per call, appended only after the call returned, `<op> <id> <token> <t_ms>` for
 * claim/progress/complete; any other line (start, exit, refused, error) is kept as is.
 */
export interface QueueLogEvent {
  op: 'claim' | 'progress' | 'complete';
  id: string;
  token: number;
  t: number;
  /** The log the line came from (one log per agent process). */
  log: string;
}

export interface QueueLogs {
  events: QueueLogEvent[];
  /** Lines that are not claim/progress/complete, prefixed with their log's name. */
  other: string[];
}

export function readQueueLogs(files: Iterable<string>): QueueLogs {
  const events: QueueLogEvent[] = [];
  const other: string[] = [];
  for (const file of files) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      const m = /^(claim|progress|complete) (\S+) (\d+) (\d+)$/.exec(line);
      if (m) events.push({ op: m[1] as QueueLogEvent['op'], id: m[2]!, token: Number(m[3]), t: Number(m[4]), log: file });
      else other.push(`${file}: ${line}`);
    }
  }
  return { events, other };
}

/**
 * Claim history checks that hold whatever happened to the agents: each (id, token) claim logged
 * at most once, each item completed at most once, and progress/complete only by the process that
 * logged the claim with that token, after it. Returns the problems (empty when all hold).
 */
export function claimLogProblems(logs: QueueLogs): string[] {
  const problems: string[] = [];
  const claims = new Map<string, QueueLogEvent>();
  const completes = new Map<string, QueueLogEvent>();
  for (const e of logs.events) {
    const key = `${e.id}#${e.token}`;
    if (e.op === 'claim') {
      if (claims.has(key)) problems.push(`claim of ${e.id} with token ${e.token} logged twice (${claims.get(key)!.log}, ${e.log})`);
      claims.set(key, e);
    }
  }
  for (const e of logs.events) {
    const key = `${e.id}#${e.token}`;
    if (e.op === 'claim') continue;
    const c = claims.get(key);
    if (!c) problems.push(`${e.op} of ${e.id} with token ${e.token} without a logged claim`);
    else if (c.log !== e.log) problems.push(`${e.op} of ${e.id} token ${e.token} by ${e.log}, but ${c.log} claimed it`);
    else if (e.t < c.t) problems.push(`${e.op} of ${e.id} token ${e.token} logged before its claim`);
    if (e.op === 'complete') {
      const dup = completes.get(e.id);
      if (dup) problems.push(`${e.id} completed twice (tokens ${dup.token} and ${e.token})`);
      completes.set(e.id, e);
    }
  }
  return problems;
}

/**
 * Hold intervals of each item: from its claim (logged after claim-next returned) to the end of
 * that hold, given by `endOf` (the completion, the owner's death ...), or open when undefined.
 * Returns the pairs of holds of one item that overlap in time: two live owners at once.
 */
export function overlappingHolds(logs: QueueLogs, endOf: (claim: QueueLogEvent) => number | undefined): string[] {
  const byItem = new Map<string, QueueLogEvent[]>();
  for (const e of logs.events) if (e.op === 'claim') byItem.set(e.id, [...(byItem.get(e.id) ?? []), e]);
  const problems: string[] = [];
  for (const [id, claims] of byItem) {
    const holds = claims.map((c) => ({ c, start: c.t, end: endOf(c) ?? Number.POSITIVE_INFINITY })).sort((a, b) => a.start - b.start);
    for (let i = 1; i < holds.length; i++) {
      const prev = holds[i - 1]!;
      const cur = holds[i]!;
      if (cur.start < prev.end) {
        problems.push(`${id}: token ${cur.c.token} claimed by ${cur.c.log} at ${cur.start} while token ${prev.c.token} of ${prev.c.log} was held until ${prev.end === Number.POSITIVE_INFINITY ? 'the end' : prev.end}`);
      }
      if (cur.c.token <= prev.c.token) problems.push(`${id}: token ${cur.c.token} claimed after token ${prev.c.token} (tokens must grow)`);
    }
  }
  return problems;
}
