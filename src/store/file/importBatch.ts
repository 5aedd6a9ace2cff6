/**
 * WorkStore.importBatch on files: active items into their shards, finished ones appended to their
 * logs (and counted), unknown agents into the registry, in one all-or-nothing transaction over
 * every shard, log, counter file, the registry and the format file. Ids present anywhere are
 * skipped. A large import raises the active shard count at once to what that many items settle
 * at (shardLayout.ts), as if they had arrived one by one, and applies its changes in the order a
 * split does (new shards, the count, then the shards items left), for readers without locks.
 */
import { SwarmError } from '../../errors.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import { shardFor } from '../../model/shardFor.js';
import { countFor, isFormat, shardOfId, type FormatRecord } from './shardLayout.js';
import { recordChange, type ChangeEvent } from '../../model/changeEvent.js';
import type { WorkItem } from '../../model/types.js';
import type { ImportBatch, ImportOutcome } from '../WorkStore.js';
import { creditCompletion, creditedAgent } from './creditCompletion.js';
import { readArchived } from './readArchived.js';
import type { Store } from './Store.js';
import { agentStatsFile, completedFile, FORMAT_FILE, FORMAT_VERSION, REGISTRY_FILE, shardFile } from './storeFiles.js';
import { readBacklog, readDead, readItems, readRegistry, readStats, readWaiting } from './storeShapes.js';

export async function importBatch(store: Store, stats: LockStats, clock: () => number, batch: ImportBatch, dryRun: boolean): Promise<ImportOutcome> {
  const n = store.shards;
  const idx = Array.from({ length: n }, (_, i) => i);
  for (;;) {
    const count = await store.readLayout();
    // Enough shards for everything active now plus the whole batch (fewer may be needed: skips).
    const activeNow = (await Promise.all(Array.from({ length: count }, (_, i) => readItems(store, shardFile(i, n))))).reduce((sum, a) => sum + a.length, 0);
    const most = countFor(activeNow + batch.active.length, n, count);
    if (most > n && !dryRun) store.ensureShardDir();
    const outcome = await importInto(store, stats, clock(), batch, dryRun, count, dryRun ? count : most, idx);
    if (outcome) return outcome;
  }
}

/** The import under the locks of `most` shards; null when a split changed the count meanwhile. */
async function importInto(store: Store, stats: LockStats, nowMs: number, batch: ImportBatch, dryRun: boolean, count: number, most: number, idx: number[]): Promise<ImportOutcome | null> {
  const n = store.shards;
  const outcome: ImportOutcome = { active: [], finished: 0, agents: 0, skipped: 0 };
  const locked = Array.from({ length: most }, (_, i) => shardFile(i, n));
  const files = [...locked, ...idx.map(completedFile), ...idx.map(agentStatsFile), REGISTRY_FILE, FORMAT_FILE];
  return store.transact(files, stats, async (view) => {
    if ((await store.readLayout()) !== count) return { result: null };
    const before = await Promise.all(locked.slice(0, count).map((f) => readItems(view, f)));
    const active = before.flat();
    const counters = await Promise.all(idx.map((i) => readStats(view, i).then((s) => structuredClone(s))));
    // Already present means present anywhere: an id that has moved on to the backlog, the waiting
    // or dead lists or an archive is still that item. Those files are read without their locks:
    // every move into or out of them also needs an active shard's or a log's lock, held here.
    const existing = new Set(active.map((w) => w.work_item_id));
    for (const i of idx) for (const w of await store.readLog<WorkItem>(completedFile(i))) existing.add(w.work_item_id);
    for (const w of [...(await readBacklog(store)), ...(await readWaiting(store)), ...(await readDead(store)), ...(await readArchived(store))]) existing.add(w.work_item_id);
    const appends = new Map<string, string>();
    const events: ChangeEvent[] = [];
    for (const item of batch.active) {
      if (existing.has(item.work_item_id)) outcome.skipped++;
      else {
        const change = recordChange('imported', null, item, null, 'active', nowMs);
        events.push(change.event);
        active.push(change.item);
        outcome.active.push(item.work_item_id);
        existing.add(item.work_item_id);
      }
    }
    for (const item of batch.finished) {
      if (existing.has(item.work_item_id)) outcome.skipped++;
      else {
        const log = completedFile(shardFor(item.work_item_id, n));
        const change = recordChange('imported', null, item, null, 'finished', nowMs, creditedAgent(item));
        events.push(change.event);
        appends.set(log, (appends.get(log) ?? '') + JSON.stringify(change.item) + '\n');
        creditCompletion(counters, change.item);
        outcome.finished++;
        existing.add(item.work_item_id);
      }
    }
    const registry = (await readRegistry(view)).slice();
    const known = new Set(registry.map((a) => a.agent_id));
    for (const a of batch.agents) {
      if (known.has(a.agent_id)) continue;
      registry.push(a);
      known.add(a.agent_id);
      outcome.agents++;
    }
    if (dryRun) return { result: outcome };
    const grown = Math.min(most, countFor(active.length, n, count));
    const shards = Array.from({ length: grown }, (): WorkItem[] => []);
    for (const w of active) shards[shardOfId(w.work_item_id, n, grown)]!.push(w);
    // New shards first, then the count, then the shards that were there (see splitShard.ts).
    const writes = new Map<string, unknown>();
    for (let i = count; i < grown; i++) writes.set(shardFile(i, n), shards[i]);
    if (grown > count) {
      const rec = await view.readJson<FormatRecord | null>(FORMAT_FILE, null, isFormat);
      if (!rec) throw new SwarmError('STORE_CORRUPT', `${store.path(FORMAT_FILE)} is missing; nothing was imported`, { path: store.path(FORMAT_FILE) });
      writes.set(FORMAT_FILE, { ...rec, version: FORMAT_VERSION, active_shards: grown });
    }
    for (let i = 0; i < count; i++) writes.set(shardFile(i, n), shards[i]);
    for (const i of idx) writes.set(agentStatsFile(i), counters[i]);
    writes.set(REGISTRY_FILE, registry);
    return { writes, appends, ordered: true, events, result: outcome };
  });
}
