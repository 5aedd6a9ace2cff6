// @ts-check
/**
 * The one store-invariant checker, shared by the tests and the benchmark suite. It reads a store
 * directory with plain fs + JSON.parse, never through swarmfile's own code (src/), so a bug in
 * the code under test cannot hide a loss: `scanStore` collects every problem it meets, `readStore`
 * throws on the first, and the checks below (consistency, exactly-once, a ledger of what agents
 * were told) each return or throw precise messages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/**
 * @typedef {{ at: string, outcome: string, agent_id: string | null, fencing_token: number, reason?: string }} Failure
 * @typedef {{
 *   work_item_id: string, agent_id: string | null, status: string, team: string, progress: number,
 *   velocity_points?: number, description: string, fencing_token?: number, attempts?: number,
 *   failures?: Failure[], lease_expires_at?: string | null, claim_pid?: number | null,
 *   [k: string]: unknown
 * }} Item
 * @typedef {{ tasks_completed: number, velocity_points: number }} TeamCounters
 * @typedef {{
 *   active: Map<string, Item>, completed: Map<string, Item>, cancelled: Map<string, Item>,
 *   backlog: Map<string, Item>, backlogFile: Map<string, string>, waiting: Map<string, Item>,
 *   dead: Map<string, Item>, completedTimes: Map<string, number>, duplicates: Set<string>,
 *   statsTeams: Map<string, TeamCounters>, statsAgentsTotal: number,
 *   leftovers: string[], files: number, problems: string[]
 * }} StoreState
 * @typedef {'backlog' | 'active' | 'waiting' | 'dead' | 'completed' | 'cancelled'} Place
 * @typedef {{ claimed: Set<string>, progressed: Set<string>, completed: Set<string> }} Ledger
 */

/** @param {unknown} err */
const errCode = (err) => (err && typeof err === 'object' && 'code' in err ? String(err.code) : String(err));

/**
 * Reads every file of the store at `dir` and collects the problems: a file that is not valid
 * JSON (or JSONL with a torn last line), an id twice in one place or finished twice (also kept in
 * `duplicates`), a
 * completed log line whose status is neither completed nor cancelled. A missing dir is an empty store.
 * @param {string} dir
 * @returns {StoreState}
 */
export function scanStore(dir) {
  /** @type {StoreState} */
  const s = {
    active: new Map(), completed: new Map(), cancelled: new Map(), backlog: new Map(), backlogFile: new Map(),
    waiting: new Map(), dead: new Map(), completedTimes: new Map(), duplicates: new Set(), statsTeams: new Map(), statsAgentsTotal: 0,
    leftovers: [], files: 0, problems: [],
  };
  /** @type {string[]} */
  let names = [];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    if (errCode(err) !== 'ENOENT') s.problems.push(`${dir}: unreadable (${errCode(err)})`);
    return s;
  }
  /** @param {string} name @returns {string | undefined} */
  const readText = (name) => {
    try {
      const text = readFileSync(join(dir, name), 'utf8');
      s.files++;
      return text;
    } catch (err) {
      if (errCode(err) !== 'ENOENT') s.problems.push(`${name}: unreadable (${errCode(err)})`);
      return undefined;
    }
  };
  /** @param {string} name @returns {any} */
  const readJson = (name) => {
    const text = readText(name);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      s.problems.push(`${name}: not valid JSON (${err instanceof Error ? err.message : err})`);
      return undefined;
    }
  };
  /** @param {string} name @param {Map<string, Item>} into @param {string} what */
  const readList = (name, into, what) => {
    const arr = readJson(name);
    if (arr === undefined) return;
    if (!Array.isArray(arr)) return void s.problems.push(`${name} is not an array`);
    for (const w of arr) {
      if (typeof w?.work_item_id !== 'string') {
        s.problems.push(`${name} holds an entry without a work_item_id`);
        continue;
      }
      if (into.has(w.work_item_id)) {
        s.problems.push(`duplicate ${what} id ${w.work_item_id} (${name})`);
        s.duplicates.add(w.work_item_id);
      }
      into.set(w.work_item_id, w);
      if (what === 'queued') s.backlogFile.set(w.work_item_id, name);
    }
  };
  /** @param {string} name @param {string} text */
  const readFinished = (name, text) => {
    if (text.length && !text.endsWith('\n')) s.problems.push(`${name} has a torn last line`);
    text.split('\n').forEach((line, i) => {
      if (!line) return;
      /** @type {Item} */
      let w;
      try {
        w = JSON.parse(line);
      } catch {
        return void s.problems.push(`${name}:${i + 1}: not valid JSON`);
      }
      const id = w.work_item_id;
      s.completedTimes.set(id, (s.completedTimes.get(id) ?? 0) + 1);
      if (s.completed.has(id) || s.cancelled.has(id)) {
        s.problems.push(s.completed.has(id) ? `completion of ${id} recorded twice` : `${id} recorded twice in the finished logs (cancelled, then ${w.status})`);
        s.duplicates.add(id);
      }
      if (w.status === 'cancelled') s.cancelled.set(id, w);
      else if (w.status === 'completed') s.completed.set(id, w);
      else s.problems.push(`${name}:${i + 1}: ${id} in completed log with status ${w.status}`);
    });
  };
  /** Which file each active item was read from, to check it is where the layout routes it. */
  /** @type {Map<string, string>} */
  const activeFile = new Map();
  /** @param {string} name */
  const readActive = (name) => {
    const before = new Set(s.active.keys());
    readList(name, s.active, 'active');
    for (const id of s.active.keys()) if (!before.has(id)) activeFile.set(id, name);
  };
  for (const name of names) {
    if (/^work_claims\.\d{3}\.json$/.test(name)) readActive(name);
    else if (name === 'shards') {
      // Shards added by splits (a second implementation of the routing, as a check on src/).
      for (const sub of readdirSync(join(dir, name)).sort()) {
        if (/^work_claims\.\d{3,}\.json$/.test(sub)) readActive(`shards/${sub}`);
        else if (/\.[0-9a-f]{1,16}$/.test(sub) || sub.endsWith('.lock')) s.leftovers.push(`shards/${sub}`);
      }
    }
    else if (/^work_completed\.\d{3}\.jsonl$/.test(name)) {
      const text = readText(name);
      if (text !== undefined) readFinished(name, text);
    } else if (name === 'archive') {
      for (const a of readdirSync(join(dir, name)).filter((f) => f.endsWith('.jsonl.gz')).sort()) {
        readFinished(`archive/${a}`, gunzipSync(readFileSync(join(dir, name, a))).toString('utf8'));
      }
    } else if (/^agent_stats\.\d{3}\.json$/.test(name)) {
      /** @type {{ agents?: Record<string, { tasks_completed?: number }>, teams?: Record<string, TeamCounters> } | undefined} */
      const stats = readJson(name);
      for (const a of Object.values(stats?.agents ?? {})) s.statsAgentsTotal += a.tasks_completed ?? 0;
      for (const [team, v] of Object.entries(stats?.teams ?? {})) {
        const cur = s.statsTeams.get(team) ?? { tasks_completed: 0, velocity_points: 0 };
        cur.tasks_completed += v.tasks_completed;
        cur.velocity_points += v.velocity_points;
        s.statsTeams.set(team, cur);
      }
    } else if (/^backlog\.[0-3]\.\d{9}\.json$/.test(name)) readList(name, s.backlog, 'queued');
    else if (name === 'work_waiting.json') readList(name, s.waiting, 'waiting');
    else if (name === 'work_dead.json') readList(name, s.dead, 'dead');
    else if (name.endsWith('.json')) readJson(name);
  }
  s.leftovers.push(...names.filter((f) => f.endsWith('.intent') || /\.[0-9a-f]{1,16}$/.test(f) || f.endsWith('.lock') || f.endsWith('.takeover')));
  /** @type {any} */
  let format;
  try {
    format = JSON.parse(readFileSync(join(dir, 'swarmfile.json'), 'utf8'));
  } catch {
    /* absent or damaged: reported above */
  }
  if (format && Number.isInteger(format.shards)) {
    const base = format.shards;
    const count = format.active_shards ?? base;
    for (const [id, file] of activeFile) {
      const want = routedFile(id, base, count);
      if (file !== want) s.problems.push(`${id} is in ${file}, but the layout (${base} grown to ${count} shards) routes it to ${want}`);
    }
  }
  return s;
}

/**
 * Where an active item belongs: FNV-1a of its id, linear hashing from `base` shards grown to
 * `count` (the first `base` files at the top, the rest in shards/).
 * @param {string} id @param {number} base @param {number} count
 */
export function routedFile(id, base, count) {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h >>>= 0;
  let m = base;
  while (m * 2 <= count) m *= 2;
  let b = h % m;
  if (b < count - m) b = h % (2 * m);
  const n = String(b).padStart(3, '0');
  return b < base ? `work_claims.${n}.json` : `shards/work_claims.${n}.json`;
}

/**
 * `scanStore`, throwing on the first problem: what a test wants from a store it expects intact.
 * @param {string} dir
 * @returns {StoreState}
 */
export function readStore(dir) {
  const s = scanStore(dir);
  if (s.problems.length) throw new Error(`${dir}: ${s.problems[0]}${s.problems.length > 1 ? ` (and ${s.problems.length - 1} more)` : ''}`);
  return s;
}

/**
 * No item both active and completed; the team and agent counters agree exactly with the completed log.
 * @param {StoreState} s
 * @returns {string[]}
 */
export function consistencyProblems(s) {
  const problems = [];
  for (const id of s.active.keys()) if (s.completed.has(id)) problems.push(`${id} is both active and completed`);
  /** @type {Map<string, TeamCounters>} */
  const byTeam = new Map();
  for (const w of s.completed.values()) {
    const t = byTeam.get(w.team) ?? { tasks_completed: 0, velocity_points: 0 };
    t.tasks_completed++;
    t.velocity_points += w.velocity_points ?? 0;
    byTeam.set(w.team, t);
  }
  /** @param {Map<string, unknown>} m */
  const fmt = (m) => JSON.stringify([...m.entries()].sort());
  if (fmt(byTeam) !== fmt(s.statsTeams)) problems.push(`team counters ${fmt(s.statsTeams)} disagree with completed log ${fmt(byTeam)}`);
  if (s.statsAgentsTotal !== s.completed.size) problems.push(`agent counters total ${s.statsAgentsTotal} != ${s.completed.size} completions`);
  return problems;
}

/** @param {StoreState} s */
export function assertConsistent(s) {
  const problems = consistencyProblems(s);
  if (problems.length) throw new Error(problems.join('; '));
}

/**
 * Every place each id was found in (an id in more than one place is a lost exactly-once).
 * @param {StoreState} s
 * @returns {Map<string, Place[]>}
 */
export function placesOf(s) {
  /** @type {Map<string, Place[]>} */
  const places = new Map();
  /** @type {[Map<string, Item>, Place][]} */
  const all = [[s.backlog, 'backlog'], [s.active, 'active'], [s.waiting, 'waiting'], [s.dead, 'dead'], [s.completed, 'completed'], [s.cancelled, 'cancelled']];
  for (const [m, place] of all) for (const id of m.keys()) places.set(id, [...(places.get(id) ?? []), place]);
  return places;
}

/**
 * Exactly once: every id appears in exactly one place (backlog, active, waiting, dead, or once in
 * the finished logs). With `ids`, every one of them must be present and no other id may be.
 * @param {StoreState} s
 * @param {Iterable<string>} [ids]
 * @returns {string[]}
 */
export function exactlyOnceProblems(s, ids) {
  const places = placesOf(s);
  const problems = [];
  for (const [id, at] of places) if (at.length !== 1) problems.push(`${id} is in ${at.join(' and ')}`);
  for (const [id, n] of s.completedTimes) if (n > 1) problems.push(`${id} has ${n} finished records`);
  if (ids) {
    const expected = new Set(ids);
    for (const id of expected) if (!places.has(id)) problems.push(`${id} is nowhere in the store`);
    for (const id of places.keys()) if (!expected.has(id)) problems.push(`${id} is in the store but was never added`);
  }
  return problems;
}

/**
 * `exactlyOnceProblems`, throwing; returns each id's one place.
 * @param {StoreState} s
 * @param {Iterable<string>} [ids]
 * @returns {Map<string, Place>}
 */
export function assertExactlyOnce(s, ids) {
  const problems = exactlyOnceProblems(s, ids);
  if (problems.length) throw new Error(`exactly-once violated (${problems.length}): ${problems.slice(0, 10).join('; ')}`);
  return new Map([...placesOf(s)].map(([id, at]) => [id, /** @type {Place} */ (at[0])]));
}

/**
 * What agents were told against what is on disk. A claim reported done must be active or
 * finished; a completion reported done must be in a finished log; an item progressed to 50 and
 * not completed must still show 50; no completion on disk that no agent reported (beyond
 * `preexisting`). Returns the lost ids by kind and the problems.
 * @param {StoreState} s
 * @param {Ledger} ledger
 * @param {{ preexistingCompleted?: number, progressValue?: number }} [options]
 */
export function ledgerProblems(s, ledger, { preexistingCompleted = 0, progressValue = 50 } = {}) {
  /** @type {{ claims: string[], progress: string[], completions: string[] }} */
  const lost = { claims: [], progress: [], completions: [] };
  const problems = [];
  for (const id of ledger.claimed) {
    if (ledger.completed.has(id)) {
      if (!s.completed.has(id)) lost.completions.push(id);
    } else if (!s.active.has(id) && !s.completed.has(id)) lost.claims.push(id);
  }
  for (const id of ledger.progressed) {
    const w = s.active.get(id);
    if (w && !ledger.completed.has(id) && w.progress !== progressValue) lost.progress.push(id);
  }
  const phantom = [...s.completed.keys()].filter((id) => !ledger.completed.has(id)).length - preexistingCompleted;
  if (phantom > 0) problems.push(`${phantom} completion(s) on disk that no agent reported`);
  return { lost, problems };
}
