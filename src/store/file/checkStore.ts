/**
 * `fsck`: reads every file of the store and reports what is wrong, writing nothing. Damage (exit 9
 * in the CLI) is what loses or hides work: a file that does not parse or has the wrong shape, a
 * symlink in a store file's place, a bad line in a finished log, an intent that cannot be replayed,
 * an id in two places, counters that disagree with the finished items. Notes are what the next
 * command clears by itself: a pending intent, a torn last line, a leftover temporary file or lock
 * of a dead process.
 */
import { join } from 'node:path';
import { isSwarmError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import { loadPako } from '../../journal/readJournalFile.js';
import { OWNER_PREFIX, readOwners } from '../../lock/lockDir.js';
import { judgeOwner, parseOwner } from '../../lock/lockOwner.js';
import { activeShardsOf, shardOfId, type FormatRecord } from './shardLayout.js';
import type { WorkItem } from '../../model/types.js';
import { currentHost, processAlive } from '../../model/processIdentity.js';
import type { ChangeOp, Store } from './Store.js';
import { isRoot, isRows } from './reservationIndex.js';
import { ARCHIVE_DIR, RESERVATIONS_FILE, SWEEP_STAMP, DEAD_FILE, FORMAT_FILE, REGISTRY_FILE, SHARD_DIR, WAITING_FILE, intentFiles, parseSegment, preparedLockWriter, shardFile, tempFileTarget, tempFileWriter } from './storeFiles.js';
import { isAgentArray, isItemArray, isStatsShard, type StatsShard } from './storeShapes.js';
import { EVENT_DIR, parseEventFile } from './eventLanes.js';

export type FindingKind =
  | 'invalid_json'
  | 'wrong_shape'
  | 'symlink'
  | 'bad_line'
  | 'bad_intent'
  | 'duplicate_id'
  | 'misrouted'
  | 'counters'
  | 'bad_archive'
  | 'pending_intent'
  | 'torn_tail'
  | 'orphaned_temp'
  | 'stale_lock'
  | 'unknown_file';

export interface Finding {
  file: string;
  kind: FindingKind;
  /** damage: work is lost or hidden until repaired; note: the next command clears it by itself. */
  severity: 'damage' | 'note';
  detail: string;
  work_item_ids?: string[];
}

export interface CheckReport {
  dir: string;
  files: number;
  items: number;
  findings: Finding[];
  damaged: number;
}

/** What kind of store file a name is (null: not a store data file). */
export type FileKind = 'format' | 'shard' | 'completed' | 'stats' | 'registry' | 'backlog' | 'waiting' | 'dead' | 'reservations' | 'reservation_bucket';

export function kindOf(name: string): FileKind | null {
  if (name === FORMAT_FILE) return 'format';
  if (name === REGISTRY_FILE) return 'registry';
  if (name === WAITING_FILE) return 'waiting';
  if (name === DEAD_FILE) return 'dead';
  if (/^(?:work_claims\.\d{3}|shards\/work_claims\.\d{3,})\.json$/.test(name)) return 'shard';
  if (/^work_completed\.\d{3}\.jsonl$/.test(name)) return 'completed';
  if (/^agent_stats\.\d{3}\.json$/.test(name)) return 'stats';
  if (parseSegment(name)) return 'backlog';
  if (name === RESERVATIONS_FILE) return 'reservations';
  if (/^shards\/reservations\.\d{3}\.json$/.test(name)) return 'reservation_bucket';
  return null;
}

/** Which place an item in a file of this kind is in. */
const PLACE: Partial<Record<FileKind, string>> = { shard: 'active', completed: 'finished', backlog: 'backlog', waiting: 'waiting', dead: 'dead' };

/**
 * Reads without locks, so beside busy writers one pass can see an item in the file it left and the
 * file it entered, or counters from before a completion it saw. Damage is what a second pass finds
 * again; what only one pass saw was a change in flight.
 */
export async function checkStore(store: Store): Promise<CheckReport> {
  const first = await checkOnce(store);
  if (first.damaged === 0) return first;
  const second = await checkOnce(store);
  const key = (f: Finding) => `${f.file}\n${f.kind}\n${f.detail}`;
  const before = new Set(first.findings.filter((f) => f.severity === 'damage').map(key));
  const findings = second.findings.filter((f) => f.severity === 'note' || before.has(key(f)));
  return { ...second, findings, damaged: findings.filter((f) => f.severity === 'damage').length };
}

async function checkOnce(store: Store): Promise<CheckReport> {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const listed = await store.listAll();
  // Judged as the store will be once its pending intents are replayed (the next command that
  // touches their files does that): a multi-file change cut short is not damage.
  const pending = await pendingState(store, listed);
  const names = [...new Set([...listed, ...pending.keys()])].filter((n) => pending.get(n) !== null).sort();
  // Where each id belongs: the layout the format file states (as opened, if it cannot be read).
  const layout = replayedLayout(pending.get(FORMAT_FILE)) ?? (await store.readLayout().catch(() => store.activeShards));
  const where = new Map<string, string[]>();
  const seen = (id: string, file: string) => where.set(id, [...(where.get(id) ?? []), file]);
  const finishedByTeam = new Map<string, { tasks_completed: number; velocity_points: number }>();
  const countFinished = (w: WorkItem) => {
    if (w.status !== 'completed') return;
    const t = finishedByTeam.get(w.team) ?? { tasks_completed: 0, velocity_points: 0 };
    t.tasks_completed++;
    t.velocity_points += w.velocity_points ?? 0;
    finishedByTeam.set(w.team, t);
  };
  const statsTeams = new Map<string, { tasks_completed: number; velocity_points: number }>();
  let statsReadable = true;
  let items = 0;

  for (const name of names) {
    const path = store.path(name);
    const replayed = pending.get(name);
    const st = replayed === undefined ? await fs.lstat(path).catch(() => null) : null;
    if (!st && replayed === undefined) continue;
    const kind = kindOf(name);
    if (st?.isSymbolicLink()) {
      add({ file: name, kind: 'symlink', severity: 'damage', detail: 'a symbolic link stands where a store file belongs; swarmfile never follows it' });
      if (kind === 'stats') statsReadable = false;
      continue;
    }
    if (kind) {
      const text = replayed ?? (await store.readText(name));
      if (kind === 'completed') {
        const lines = text.split('\n');
        for (let i = 0; i < lines.length - 1; i++) {
          if (lines[i] === '') continue;
          try {
            const w = JSON.parse(lines[i]!) as WorkItem;
            if (typeof w?.work_item_id !== 'string') throw new Error('no work_item_id');
            seen(w.work_item_id, name);
            countFinished(w);
            items++;
          } catch {
            add({ file: name, kind: 'bad_line', severity: 'damage', detail: `line ${i + 1} is not a work item record` });
          }
        }
        if (lines.at(-1) !== '') add({ file: name, kind: 'torn_tail', severity: 'note', detail: 'the last line has no newline (an append cut short); the next append drops it' });
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        add({ file: name, kind: 'invalid_json', severity: 'damage', detail: `not valid JSON (${text.length} characters)` });
        if (kind === 'stats') statsReadable = false;
        continue;
      }
      const shapeOk =
        kind === 'format'
          ? typeof (value as { shards?: unknown })?.shards === 'number'
          : kind === 'stats'
            ? isStatsShard(value)
            : kind === 'registry'
              ? isAgentArray(value)
              : kind === 'reservations'
                ? isRoot(value)
                : kind === 'reservation_bucket'
                  ? isRows(value)
                  : isItemArray(value);
      if (!shapeOk) {
        add({ file: name, kind: 'wrong_shape', severity: 'damage', detail: `does not have the shape of a ${kind} file` });
        if (kind === 'stats') statsReadable = false;
        continue;
      }
      if (kind === 'stats') {
        for (const [team, t] of Object.entries((value as StatsShard).teams)) {
          const cur = statsTeams.get(team) ?? { tasks_completed: 0, velocity_points: 0 };
          cur.tasks_completed += t.tasks_completed;
          cur.velocity_points += t.velocity_points;
          statsTeams.set(team, cur);
        }
      }
      if (PLACE[kind]) {
        for (const w of value as WorkItem[]) {
          seen(w.work_item_id, name);
          items++;
          if (kind === 'shard' && name !== shardFile(shardOfId(w.work_item_id, store.shards, layout), store.shards)) {
            add({ file: name, kind: 'misrouted', severity: 'damage', detail: `${w.work_item_id} belongs in another shard`, work_item_ids: [w.work_item_id] });
          }
        }
      }
      continue;
    }
    if (intentFiles(name)) {
      try {
        JSON.parse(await store.readText(name));
        add({ file: name, kind: 'pending_intent', severity: 'note', detail: 'a committed multi-file change not yet applied; the next command that touches its files applies it' });
      } catch {
        add({ file: name, kind: 'bad_intent', severity: 'damage', detail: 'an intent that is not valid JSON cannot be replayed' });
      }
      continue;
    }
    if (st?.isDirectory() && name.endsWith('.lock')) {
      const owners = readOwners(path) ?? [];
      for (const o of owners) {
        if (judgeOwner(parseOwner(o.content)) === 'dead') add({ file: `${name}/${o.name}`, kind: 'stale_lock', severity: 'note', detail: 'held by a process that is gone; the next command that needs it takes it over' });
      }
      continue;
    }
    const preparer = preparedLockWriter(name);
    const temp = tempFileTarget(name);
    if (preparer !== null || temp !== null) {
      const pid = preparer ?? tempFileWriter(name);
      if (pid !== null && processAlive(pid, currentHost(), null) === false) {
        add({ file: name, kind: 'orphaned_temp', severity: 'note', detail: 'left by a process that is gone; the next command that locks its target removes it' });
      }
      continue;
    }
    if (name === ARCHIVE_DIR || name === SHARD_DIR || name === EVENT_DIR || name === 'reap.stamp' || name === SWEEP_STAMP || name.includes('.damaged-') || name.startsWith(OWNER_PREFIX)) continue;
    add({ file: name, kind: 'unknown_file', severity: 'note', detail: 'not a swarmfile file' });
  }

  // Archives: finished items moved out by cleanup, counted with the logs.
  const archiveDir = store.path(ARCHIVE_DIR);
  const archives = (await fs.readdir(archiveDir).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl.gz')).sort();
  const archived = new Set<string>();
  for (const a of archives) {
    let text: string;
    try {
      text = Buffer.from((await loadPako()).ungzip(await fs.readFileBytes(join(archiveDir, a)))).toString('utf8');
    } catch {
      add({ file: `${ARCHIVE_DIR}/${a}`, kind: 'bad_archive', severity: 'damage', detail: 'not a readable gzip archive' });
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const w = JSON.parse(line) as WorkItem;
        if (archived.has(w.work_item_id)) continue; // a crash mid-cleanup may archive twice; readers take one
        archived.add(w.work_item_id);
        if (!where.has(w.work_item_id)) countFinished(w);
        items++;
      } catch {
        add({ file: `${ARCHIVE_DIR}/${a}`, kind: 'bad_archive', severity: 'damage', detail: 'holds a line that is not JSON' });
      }
    }
  }

  await checkEventLog(store, add);

  for (const [id, files] of where) {
    if (files.length > 1) add({ file: files.join(' + '), kind: 'duplicate_id', severity: 'damage', detail: `${id} is in ${files.length} places`, work_item_ids: [id] });
  }
  if (statsReadable) {
    const fmt = (m: Map<string, unknown>) => JSON.stringify([...m.entries()].sort());
    if (fmt(statsTeams) !== fmt(finishedByTeam)) {
      add({ file: 'agent_stats.*.json', kind: 'counters', severity: 'damage', detail: `team counters ${fmt(statsTeams)} disagree with the finished items ${fmt(finishedByTeam)}` });
    }
  }
  return { dir: store.dir, files: names.length, items, findings, damaged: findings.filter((f) => f.severity === 'damage').length };
}

/**
 * The change log (eventLanes.ts): its directory a real one, every complete line of every lane JSON.
 * A last line without its newline is an append in flight or a torn tail the next commit's replay
 * truncates (a note). Lock directories and other names in it are the lanes' own (skipped).
 */
async function checkEventLog(store: Store, add: (f: Finding) => void): Promise<void> {
  const dir = store.path(EVENT_DIR);
  const st = await fs.lstat(dir).catch(() => null);
  if (!st) return;
  if (!st.isDirectory()) {
    add({ file: EVENT_DIR, kind: 'symlink', severity: 'damage', detail: 'the change log directory is a symbolic link or a file; it was not followed (repair moves it aside)' });
    return;
  }
  for (const name of (await fs.readdir(dir)).sort()) {
    if (!parseEventFile(name)) continue;
    const file = `${EVENT_DIR}/${name}`;
    let text: string;
    try {
      text = await store.readText(file);
    } catch (err) {
      if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
      add({ file, kind: 'symlink', severity: 'damage', detail: 'a symbolic link stands in place of a change-log file; it was not followed (repair moves it aside)' });
      continue;
    }
    const lines = text.split('\n');
    const tail = lines.pop();
    const bad = lines.flatMap((l, i) => {
      try {
        JSON.parse(l);
        return [];
      } catch {
        return [i + 1];
      }
    });
    if (bad.length) add({ file, kind: 'bad_line', severity: 'damage', detail: `line(s) ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''} of the change log are not JSON: events and audit cannot read it (repair moves the file aside; its events are lost to readers)` });
    if (tail) add({ file, kind: 'torn_tail', severity: 'note', detail: 'a last line without its newline: an append in flight, or cut short by a crash (the next commit on this lane truncates it)' });
  }
}

/**
 * What replaying the pending intents would leave in the files they name: new content, or null for
 * a file they remove. An intent that does not parse is reported as damage by the main pass.
 */
async function pendingState(store: Store, names: readonly string[]): Promise<Map<string, string | null>> {
  const state = new Map<string, string | null>();
  for (const name of names.filter((n) => intentFiles(n)).sort()) {
    let ops: ChangeOp[];
    try {
      ops = (JSON.parse(await store.readText(name)) as { ops: ChangeOp[] }).ops;
      if (!Array.isArray(ops)) continue;
    } catch {
      continue;
    }
    for (const op of ops) {
      if (op.kind === 'write') state.set(op.file, op.data);
      else if (op.kind === 'delete') state.set(op.file, null);
      else if (op.kind === 'append') {
        const before = state.get(op.file) ?? (await store.readText(op.file));
        state.set(op.file, Buffer.concat([Buffer.from(before, 'utf8').subarray(0, op.offset), Buffer.from(op.data, 'utf8')]).toString('utf8'));
      } else if (op.kind === 'rename') {
        // Not renamed yet while the temporary file is there; once renamed, the file is right as it is.
        const from = await fs.readFileBytes(store.path(op.from)).catch(() => null);
        if (from) state.set(op.file, from.toString('utf8'));
      }
    }
  }
  return state;
}

/** The active shard count a pending intent gives the format file (a split cut short), if any. */
function replayedLayout(text: string | null | undefined): number | null {
  if (!text) return null;
  try {
    return activeShardsOf(JSON.parse(text) as FormatRecord);
  } catch {
    return null;
  }
}
