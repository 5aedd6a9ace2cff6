/**
 * Opens (creating on first use) a store directory. The format file records the layout version and
 * the shard count the store was created with, so every process routes ids the same way whatever its
 * WORK_QUEUE_SHARDING says, and the active shard count, which splits raise (shardLayout.ts).
 */
import { join } from 'node:path';
import type { Config } from '../../config.js';
import { SwarmError, ioError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import { Store } from './Store.js';
import { FORMAT_FILE, FORMAT_NAME, FORMAT_VERSION } from './storeFiles.js';
import { mkdirs } from '../../mkdirs.js';
import { activeShardsOf, type FormatRecord } from './shardLayout.js';


async function readFormat(path: string): Promise<FormatRecord | null> {
  let text: string;
  try {
    text = await fs.readFileText(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw ioError(err, 'reading', path);
  }
  let rec: FormatRecord;
  try {
    rec = JSON.parse(text) as FormatRecord;
  } catch {
    throw new SwarmError('STORE_CORRUPT', `${path} is not valid JSON; it was left as it is`, { path });
  }
  if (rec?.format !== FORMAT_NAME || !Number.isInteger(rec.shards) || rec.shards < 1 || activeShardsOf(rec) === null) {
    throw new SwarmError('STORE_CORRUPT', `${path} is not a swarmfile format file`, { path });
  }
  if (rec.version > FORMAT_VERSION) {
    throw new SwarmError('STORE_VERSION', `${path} has format version ${rec.version}; this swarmfile reads up to ${FORMAT_VERSION}. Upgrade swarmfile.`, { path });
  }
  return rec;
}

/** Creates the format file if absent: write a temp file, then link(2), which fails if another process won. */
async function createFormat(path: string, shards: number): Promise<void> {
  const rec: FormatRecord = { format: FORMAT_NAME, version: FORMAT_VERSION, shards, active_shards: shards, created_at: new Date().toISOString(), change_log: true };
  // Unique per call: several Coordinators in one process may create the same store at once.
  const tmp = `${path}.init-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.writeFile(tmp, JSON.stringify(rec, null, 2) + '\n', { flush: true });
    await fs.link(tmp, path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  } catch (err) {
    throw ioError(err, 'creating', path);
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/**
 * With `create` false (commands that only read or act on existing items), a missing store is
 * NOT_FOUND instead of a new empty one: a mistyped COORDINATION_DIR must not look like an empty store.
 */
export async function openStore(config: Readonly<Config>, create = true): Promise<Store> {
  const path = join(config.dir, FORMAT_FILE);
  let rec = await readFormat(path);
  if (!rec && !create) {
    throw new SwarmError('NOT_FOUND', `no swarmfile store at ${config.dir} (COORDINATION_DIR or --dir); a command that writes (claim, add, register, import-swarmsh) creates it`, { path: config.dir });
  }
  let created = false;
  if (!rec) {
    created = true;
    try {
      mkdirs(config.dir);
    } catch (err) {
      throw ioError(err, 'creating directory', config.dir);
    }
    await createFormat(path, config.shards);
    rec = await readFormat(path);
    if (!rec) throw new SwarmError('INTERNAL', `${path} vanished right after it was created`);
  }
  const store = new Store(config, rec.shards, activeShardsOf(rec)!);
  store.created = created;
  return store;
}
