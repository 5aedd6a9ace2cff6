/**
 * Which active shard an id lives in, when shards split as the store grows (linear hashing).
 *
 * A store starts with `base` shards (WORK_QUEUE_SHARDING when it was created). Its format file
 * records `active_shards`, the count now. Splits happen in a fixed order: the k-th split divides
 * shard `k mod m` (m = base, 2·base, 4·base, ... the size of the current round) into itself and
 * shard `k mod m + m`. So a single number is the whole layout, an id's shard depends only on its
 * hash and that number, and a split moves items out of exactly one shard. A store whose format
 * file has no `active_shards` (version 1) routes as it always did: hash mod base.
 *
 * Shards split so that each stays small (SPLIT_ITEMS, SPLIT_BYTES): the cost of claim, progress and
 * complete is then the cost of rewriting one small file, whatever the number of active items.
 */
import { fnv1a } from '../../model/shardFor.js';

/** A write that leaves a shard with more items than this splits the next shard in line. */
export const SPLIT_ITEMS = 64;
/**
 * Or with a file larger than this (bytes): items holding path reservations or long descriptions
 * are larger, and what an operation costs grows with the bytes of the shard it rewrites. Ordinary
 * items (about 0.6 KB) reach SPLIT_ITEMS first.
 */
export const SPLIT_BYTES = 64 * 1024;
/** A shard this few items never splits for its bytes: a few huge items must not make every write split another shard. */
export const SPLIT_BYTES_MIN_ITEMS = 8;

/** Whether a shard written with `items` items in `bytes` characters of JSON is over its limits. */
export const overLimits = (items: number, bytes: number): boolean => items > SPLIT_ITEMS || (bytes > SPLIT_BYTES && items > SPLIT_BYTES_MIN_ITEMS);
/** What a shard holds on average once splitting has settled (import sizes the layout for it). */
const SETTLED_ITEMS = Math.floor((SPLIT_ITEMS * 3) / 4);

/** The size of the current round: the largest base·2^k not above `count`. */
export function roundSize(base: number, count: number): number {
  let m = base;
  while (m * 2 <= count) m *= 2;
  return m;
}

/** The shard of a hash among `count` shards grown from `base`. */
export function bucketOf(hash: number, base: number, count: number): number {
  const m = roundSize(base, count);
  const b = hash % m;
  return b < count - m ? hash % (2 * m) : b;
}

export const shardOfId = (id: string, base: number, count: number) => bucketOf(fnv1a(id), base, count);

/** The next split: the shard it divides and the one it creates. */
export function nextSplit(base: number, count: number): { from: number; to: number } {
  const m = roundSize(base, count);
  return { from: count - m, to: count };
}

/** The shard count that holds `items` active items at the settled size (never fewer than now). */
export function countFor(items: number, base: number, now: number): number {
  return Math.max(now, base, Math.ceil(items / SETTLED_ITEMS));
}

/** The format file (swarmfile.json): the store's kind, layout version, and shard layout. */
export interface FormatRecord {
  format: string;
  version: number;
  /** The shard count the store was created with (completed logs and counters stay this many). */
  shards: number;
  /** Active shards now (absent in version 1: as many as `shards`). */
  active_shards?: number;
  created_at: string;
  /** Created with a change log (issue 10): the log holds every change since (until retention deletes a segment). */
  change_log?: boolean;
}

/** The shape every reader of the format file checks before using it. */
export const isFormat = (v: unknown): v is FormatRecord => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as FormatRecord).shards === 'number';

/** The active shard count a format record says, or null when it says nothing usable. */
export function activeShardsOf(rec: FormatRecord): number | null {
  const n = rec.active_shards ?? rec.shards;
  return Number.isInteger(n) && n >= rec.shards ? n : null;
}
