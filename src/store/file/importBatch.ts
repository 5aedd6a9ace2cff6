/**
 * WorkStore.importBatch on files: active items into their shards, finished ones appended to their
 * logs (and counted), unknown agents into the registry, in one all-or-nothing transaction over
 * every shard, log, counter file and the registry. Ids present anywhere are skipped.
 */
import type { LockStats } from '../../lock/acquireLocks.js';
import { shardFor } from '../../model/shardFor.js';
import type { WorkItem } from '../../model/types.js';
import type { ImportBatch, ImportOutcome } from '../WorkStore.js';
import { creditCompletion } from './creditCompletion.js';
import { readArchived } from './readArchived.js';
import type { Store } from './Store.js';
import { agentStatsFile, completedFile, REGISTRY_FILE, shardFile } from './storeFiles.js';
import { readBacklog, readDead, readRegistry, readShard, readStats, readWaiting } from './storeShapes.js';

export async function importBatch(store: Store, stats: LockStats, batch: ImportBatch, dryRun: boolean): Promise<ImportOutcome> {
  const n = store.shards;
  const idx = Array.from({ length: n }, (_, i) => i);
  const outcome: ImportOutcome = { active: [], finished: 0, agents: 0, skipped: 0 };
  const files = [...idx.map(shardFile), ...idx.map(completedFile), ...idx.map(agentStatsFile), REGISTRY_FILE];
  await store.transact(files, stats, async (view) => {
    const shards = await Promise.all(idx.map((i) => readShard(view, i).then((a) => a.slice())));
    const counters = await Promise.all(idx.map((i) => readStats(view, i).then((s) => structuredClone(s))));
    // Already present means present anywhere: an id that has moved on to the backlog, the waiting
    // or dead lists or an archive is still that item. Those files are read without their locks:
    // every move into or out of them also needs an active shard's or a log's lock, held here.
    const existing = new Set(shards.flat().map((w) => w.work_item_id));
    for (const i of idx) for (const w of await store.readLog<WorkItem>(completedFile(i))) existing.add(w.work_item_id);
    for (const w of [...(await readBacklog(store)), ...(await readWaiting(store)), ...(await readDead(store)), ...(await readArchived(store))]) existing.add(w.work_item_id);
    const appends = new Map<string, string>();
    for (const item of batch.active) {
      if (existing.has(item.work_item_id)) outcome.skipped++;
      else {
        shards[shardFor(item.work_item_id, n)]!.push(item);
        outcome.active.push(item.work_item_id);
        existing.add(item.work_item_id);
      }
    }
    for (const item of batch.finished) {
      if (existing.has(item.work_item_id)) outcome.skipped++;
      else {
        const log = completedFile(shardFor(item.work_item_id, n));
        appends.set(log, (appends.get(log) ?? '') + JSON.stringify(item) + '\n');
        creditCompletion(counters, item);
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
    if (dryRun) return { result: null };
    const writes = new Map<string, unknown>();
    for (const i of idx) {
      writes.set(shardFile(i), shards[i]);
      writes.set(agentStatsFile(i), counters[i]);
    }
    writes.set(REGISTRY_FILE, registry);
    return { writes, appends, result: null };
  });
  return outcome;
}
