/** File names inside the store directory. Shard numbers are zero-padded to 3 digits. */

export const FORMAT_FILE = 'swarmfile.json';
export const REGISTRY_FILE = 'agent_status.json';
export const FORMAT_NAME = 'swarmfile-store';
/** 2: active shards split as they grow (`active_shards` in the format file, files in SHARD_DIR). */
export const FORMAT_VERSION = 2;

const pad = (i: number) => String(i).padStart(3, '0');

/** Where the active shards beyond the first `base` live (they come into being by splits). */
export const SHARD_DIR = 'shards';
/**
 * Active (unfinished) work items of one shard: a JSON array, like SwarmSH's work_claims.json. The
 * store's first `base` shards are at its top, as they always were; the ones splits add
 * (shardLayout.ts) are in SHARD_DIR, so the top directory, which every transaction lists, does not
 * grow with the number of active items.
 */
export const shardFile = (i: number, base: number) => (i < base ? `work_claims.${pad(i)}.json` : `${SHARD_DIR}/work_claims.${pad(i)}.json`);
const SHARD_RE = /^(?:work_claims\.(\d{3})|shards\/work_claims\.(\d{3,}))\.json$/;
/** The shard number of an active shard file's name (as shardFile makes them), or null. */
export function parseShardFile(name: string, base: number): number | null {
  const m = SHARD_RE.exec(name);
  if (!m) return null;
  const i = Number(m[1] ?? m[2]);
  return shardFile(i, base) === name ? i : null;
}
/**
 * The reservation table (issue 9). Its root holds the broad reservations (patterns with fewer than
 * KEY_DEPTH fixed leading components, checked against every path) and a change counter; its lock
 * is the one lock every change of the table holds, and every change rewrites it, so every intent
 * that changes the table names it (a crash mid-change is replayed by the next holder). The others
 * are in RESERVATION_BUCKETS buckets in SHARD_DIR, by the hash of their first KEY_DEPTH components
 * (reservationIndex.ts).
 */
export const RESERVATIONS_FILE = 'reservations.json';
export const RESERVATION_BUCKETS = 256;
export const reservationBucketFile = (i: number) => `${SHARD_DIR}/reservations.${pad(i)}.json`;

/** Completed work of one shard: JSON Lines, append-only, one full record per line. */
export const completedFile = (i: number) => `work_completed.${pad(i)}.jsonl`;
/** Per-agent completion counters, sharded by agent id: a JSON object keyed by agent_id. */
export const agentStatsFile = (i: number) => `agent_stats.${pad(i)}.json`;

export const INTENT_PREFIX = 'txn-';
export const INTENT_SUFFIX = '.intent';
/** Marker in an intent's name for "touches every file" (import, reshard). */
export const ALL_FILES = '*';

/** A file in a subdirectory is named in an intent's name with '!' for '/'. */
export function intentName(txid: string, files: readonly string[]): string {
  const joined = files.map((f) => f.replaceAll('/', '!')).join('+');
  // Keep the name within file-name limits; '*' makes every locker treat it as overlapping.
  return `${INTENT_PREFIX}${txid}~${joined.length > 180 ? ALL_FILES : joined}${INTENT_SUFFIX}`;
}

/** The files an intent's name says it touches, or null when `name` is not an intent. */
export function intentFiles(name: string): string[] | null {
  if (!name.startsWith(INTENT_PREFIX) || !name.endsWith(INTENT_SUFFIX)) return null;
  const tilde = name.indexOf('~');
  if (tilde < 0) return null;
  return name.slice(tilde + 1, -INTENT_SUFFIX.length).split('+').map((f) => f.replaceAll('!', '/'));
}

/** Temporary files of writeFileAtomic.ts are `<target>.<pid hex><8 random hex>`. */
export function tempFileTarget(name: string): string | null {
  const m = /^(.+)\.[0-9a-f]{9,16}$/.exec(name);
  return m ? m[1]! : null;
}

/** The pid of the process that wrote a temporary file (see tempFileTarget), or null. */
export function tempFileWriter(name: string): number | null {
  const m = /\.([0-9a-f]{1,8})[0-9a-f]{8}$/.exec(name);
  return m ? parseInt(m[1]!, 16) : null;
}

/** Lock directories being prepared (src/lock/lockDir.ts): `<file>.lock.<pid36>-<hex>.new`. */
export function preparedLockWriter(name: string): number | null {
  const m = /\.lock\.([0-9a-z]+)-[0-9a-f]+\.new$/.exec(name);
  return m ? parseInt(m[1]!, 36) : null;
}

/**
 * The backlog: claimable items in FIFO segments per priority, `backlog.<rank>.<seq>.json`, rank 0
 * (critical) to 3 (low), seq zero-padded to 9 digits, so a sorted directory listing is claim
 * order. A segment holds up to BACKLOG_SEGMENT_SIZE items; the last one of a rank (its tail) is
 * never removed, even when empty, so sequence numbers only grow.
 */
export const BACKLOG_SEGMENT_SIZE = 256;
export const segmentFile = (rank: number, seq: number) => `backlog.${rank}.${String(seq).padStart(9, '0')}.json`;
const SEGMENT_RE = /^backlog\.([0-3])\.(\d{9})\.json$/;
export function parseSegment(name: string): { file: string; rank: number; seq: number } | null {
  const m = SEGMENT_RE.exec(name);
  return m ? { file: name, rank: Number(m[1]), seq: Number(m[2]) } : null;
}
/** Items whose dependencies are not all completed yet: a JSON array. */
export const WAITING_FILE = 'work_waiting.json';
/** Items that failed MAX_RETRY_ATTEMPTS times (the dead-letter list): a JSON array. */
export const DEAD_FILE = 'work_dead.json';
/** Its mtime is when the reservation table was last swept of rows that ended claims left behind. */
export const SWEEP_STAMP = 'reservations.stamp';
/** The sweep reads the whole table: at most once a minute (such rows are rare: a crash between a claim's end and its rows' removal). */
export const SWEEP_INTERVAL_MS = 60_000;
/** Its mtime is when the last lease scan started (throttles automatic reaping). */
export const REAP_STAMP = 'reap.stamp';
/** Compressed archives of finished items (`cleanup`), `archive/finished-<ts>-<pid>.jsonl.gz`. */
export const ARCHIVE_DIR = 'archive';
