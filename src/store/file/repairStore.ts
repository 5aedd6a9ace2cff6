/**
 * `repair`: puts a damaged store back in working order without deleting anything. Under the locks
 * of every store file, in one all-or-nothing transaction:
 *   - each damaged file (invalid JSON, wrong shape, a symlink in its place, bad lines in a finished
 *     log) is copied whole to `<name>.damaged-<time>` and replaced by what can be salvaged from it
 *     (every item record that still parses; the good lines of a log);
 *   - an id found in two places is kept in the most advanced one (finished > active > dead >
 *     waiting > queued) and removed from the others, whose previous contents are kept as
 *     `<name>.before-repair-<time>`;
 *   - agent and team counters are rebuilt from the finished items (logs and archives) when they
 *     disagree or were damaged.
 * Intents that cannot be replayed and unreadable archives are renamed to `.damaged-<time>` first.
 * `dryRun` reports the same actions and changes nothing.
 */
import { isSwarmError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import type { WorkItem } from '../../model/types.js';
import { agentStatsFile, completedFile, shardFile } from './storeFiles.js';
import { checkStore, kindOf, type CheckReport, type FileKind } from './checkStore.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import type { Store } from './Store.js';
import { readArchived } from './readArchived.js';
import { emptyStats, isAgentArray, isItemArray, isStatsShard, type StatsShard } from './storeShapes.js';
import { creditCompletion } from './creditCompletion.js';
import { rebuildReservations } from './changeReservations.js';
import { EVENT_DIR } from './eventLanes.js';

export interface RepairAction {
  file: string;
  action: 'quarantined' | 'deduplicated' | 'rebuilt_counters' | 'renamed';
  detail: string;
  work_item_ids?: string[];
}

export interface RepairReport {
  dry_run: boolean;
  actions: RepairAction[];
  /** fsck after the repair (before it, with dry_run). */
  after: CheckReport;
}

const RANK: Partial<Record<FileKind, number>> = { completed: 5, shard: 4, dead: 3, waiting: 2, backlog: 1 };

/** Every object with a work_item_id (or agent_id) that still parses in a pretty-printed JSON array. */
function salvage(text: string, key: 'work_item_id' | 'agent_id'): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let chunk: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^ {2}\{/.test(line)) chunk = [line];
    else if (chunk) chunk.push(line);
    if (chunk && /^ {2}\},?\s*$/.test(line)) {
      try {
        const v = JSON.parse(chunk.join('\n').replace(/,\s*$/, '')) as Record<string, unknown>;
        if (typeof v?.[key] === 'string') out.push(v);
      } catch {
        /* beyond salvage */
      }
      chunk = null;
    }
  }
  return out;
}

export async function repairStore(store: Store, lockStats: LockStats, nowMs: number, { dryRun = false } = {}): Promise<RepairReport> {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  const actions: RepairAction[] = [];
  const before = await checkStore(store);
  if (before.damaged === 0) return { dry_run: dryRun, actions, after: before };

  // 1. What cannot be replayed or read is renamed aside first (nothing is removed).
  for (const f of before.findings) {
    if (f.kind !== 'bad_intent' && f.kind !== 'bad_archive') continue;
    const path = store.path(f.file);
    if (!dryRun) await fs.rename(path, `${path}.damaged-${stamp}`).catch(() => undefined);
    actions.push({ file: f.file, action: 'renamed', detail: `${f.detail}; kept as ${f.file}.damaged-${stamp}` });
  }

  // The change log's damaged files (and a symlink in place of its directory) go aside, a lane
  // under its own lock so no commit appends to it meanwhile; readers then start from what is left.
  for (const f of before.findings) {
    if (f.file !== EVENT_DIR && !f.file.startsWith(`${EVENT_DIR}/`)) continue;
    if (f.kind !== 'bad_line' && f.kind !== 'symlink') continue;
    const path = store.path(f.file);
    const aside = async () => {
      if (!dryRun) await fs.rename(path, `${path}.damaged-${stamp}`).catch(() => undefined);
    };
    if (f.file === EVENT_DIR || dryRun) await aside();
    else await store.transact([f.file], lockStats, async () => ({ result: await aside() }));
    actions.push({ file: f.file, action: 'renamed', detail: `${f.detail}; kept as ${f.file}.damaged-${stamp}` });
  }

  // 2. Every data file, locked; plus every shard's log and counters so they can be rebuilt.
  const n = store.shards;
  const names = (await store.listAll()).filter((name) => {
    const k = kindOf(name);
    // The reservation table is an index of the active items' reserved_paths, not a place of items.
    return k !== null && k !== 'format' && k !== 'reservations' && k !== 'reservation_bucket';
  });
  const all = [...new Set([...names, ...Array.from({ length: n }, (_, i) => [shardFile(i, n), completedFile(i), agentStatsFile(i)]).flat()])].sort();
  await store.transact(dryRun ? [] : all, lockStats, async () => {
    const texts = new Map<string, string>();
    const writes = new Map<string, unknown>();
    const arrays = new Map<string, Record<string, unknown>[]>();
    const logs = new Map<string, WorkItem[]>();
    let statsDamaged = false;
    const quarantine = (file: string, raw: string, detail: string, ids?: string[]) => {
      texts.set(`${file}.damaged-${stamp}`, raw);
      actions.push({ file, action: 'quarantined', detail: `${detail}; the original is kept as ${file}.damaged-${stamp}`, ...(ids?.length ? { work_item_ids: ids } : {}) });
    };
    for (const file of all) {
      const kind = kindOf(file)!;
      let raw: string;
      try {
        raw = await store.readText(file);
      } catch (err) {
        if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
        // A symlink: not followed, replaced by an empty file of its kind.
        const target = await fs.readlink(store.path(file)).catch(() => '?');
        quarantine(file, `symbolic link to ${target} (not followed)\n`, 'a symlink stood in its place');
        if (kind === 'stats') statsDamaged = true;
        if (kind === 'completed') {
          logs.set(file, []);
          texts.set(file, '');
        } else if (kind === 'stats') writes.set(file, emptyStats());
        else {
          arrays.set(file, []);
          writes.set(file, []);
        }
        continue;
      }
      if (kind === 'completed') {
        const good: WorkItem[] = [];
        const lines = raw.split('\n');
        let bad = 0;
        for (let i = 0; i < lines.length - 1; i++) {
          if (!lines[i]) continue;
          try {
            const w = JSON.parse(lines[i]!) as WorkItem;
            if (typeof w?.work_item_id !== 'string') throw new Error('not an item');
            good.push(w);
          } catch {
            bad++;
          }
        }
        if (bad) quarantine(file, raw, `${bad} line(s) that are not records removed`);
        logs.set(file, good);
        if (bad) texts.set(file, good.map((w) => `${JSON.stringify(w)}\n`).join(''));
        continue;
      }
      if (raw === '') {
        if (kind === 'stats') writes.set(file, emptyStats());
        else arrays.set(file, []);
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        value = undefined;
      }
      const ok = kind === 'stats' ? isStatsShard(value) : kind === 'registry' ? isAgentArray(value) : isItemArray(value);
      if (kind === 'stats') {
        if (!ok) {
          statsDamaged = true;
          quarantine(file, raw, 'counters unreadable; rebuilt from the finished items');
        }
        continue;
      }
      if (ok) {
        arrays.set(file, value as Record<string, unknown>[]);
        continue;
      }
      const saved = salvage(raw, kind === 'registry' ? 'agent_id' : 'work_item_id');
      arrays.set(file, saved);
      writes.set(file, saved);
      quarantine(file, raw, `unreadable; ${saved.length} record(s) salvaged`, kind === 'registry' ? undefined : saved.map((w) => String(w.work_item_id)));
    }

    // 3. One place per id: the most advanced one wins.
    const best = new Map<string, { file: string; rank: number }>();
    const consider = (id: string, file: string) => {
      const rank = RANK[kindOf(file)!] ?? 0;
      const cur = best.get(id);
      if (!cur || rank > cur.rank) best.set(id, { file, rank });
    };
    for (const [file, items] of arrays) if (RANK[kindOf(file)!]) for (const w of items) consider(String(w.work_item_id), file);
    for (const [file, items] of logs) for (const w of items) consider(w.work_item_id, file);
    const keptInLog = new Set<string>();
    for (const [file, items] of logs) {
      const kept = items.filter((w) => {
        if (best.get(w.work_item_id)?.file !== file || keptInLog.has(w.work_item_id)) return false;
        keptInLog.add(w.work_item_id);
        return true;
      });
      if (kept.length !== items.length) {
        const dropped = items.filter((w) => !kept.includes(w)).map((w) => w.work_item_id);
        if (!texts.has(file)) texts.set(`${file}.before-repair-${stamp}`, await store.readText(file));
        texts.set(file, kept.map((w) => `${JSON.stringify(w)}\n`).join(''));
        actions.push({ file, action: 'deduplicated', detail: `removed ${dropped.length} copy(ies) of ids kept elsewhere or recorded twice`, work_item_ids: dropped });
        logs.set(file, kept);
      }
    }
    for (const [file, items] of arrays) {
      if (!RANK[kindOf(file)!]) continue;
      const kept = items.filter((w) => best.get(String(w.work_item_id))?.file === file);
      if (kept.length !== items.length) {
        if (!writes.has(file)) texts.set(`${file}.before-repair-${stamp}`, await store.readText(file));
        writes.set(file, kept);
        actions.push({ file, action: 'deduplicated', detail: `removed ${items.length - kept.length} copy(ies) of ids kept in a more advanced place`, work_item_ids: items.filter((w) => !kept.includes(w)).map((w) => String(w.work_item_id)) });
      }
    }

    // 4. Counters from the finished items, when they disagree or were damaged.
    if (statsDamaged || before.findings.some((f) => f.kind === 'counters') || actions.some((a) => a.action === 'deduplicated')) {
      const rebuilt = Array.from({ length: n }, (): StatsShard => ({ agents: {}, teams: {} }));
      const finished = [...[...logs.values()].flat(), ...(await readArchived(store)).filter((w) => !keptInLog.has(w.work_item_id))];
      for (const w of finished) if (w.status === 'completed') creditCompletion(rebuilt, w);
      rebuilt.forEach((st, i) => writes.set(agentStatsFile(i), st));
      actions.push({ file: 'agent_stats.*.json', action: 'rebuilt_counters', detail: `agent and team counters recounted from ${finished.length} finished item(s)` });
    }
    return dryRun ? { result: null } : { writes, texts, result: null };
  });
  // 5. The reservation table, when a file of it is damaged: rebuilt from the active items.
  const table = before.findings.filter((f) => f.severity === 'damage' && (kindOf(f.file) === 'reservations' || kindOf(f.file) === 'reservation_bucket')).map((f) => f.file);
  actions.push(...(await rebuildReservations(store, lockStats, stamp, [...new Set(table)], dryRun)));
  return { dry_run: dryRun, actions, after: dryRun ? before : await checkStore(store) };
}
