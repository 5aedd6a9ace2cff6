/**
 * The file store's reservation table (issue 9): where reservations are found by path, and when
 * one is live.
 *
 * A claim's reservations are kept on its active item (`reserved_paths`); the table is an index of
 * them by path, so a check reads the few rows that could overlap instead of every claim. A row is
 * live while its item is active with the row's fencing token and still lists the path: a claim
 * that ends (complete, fail, release, cancel, reap) ends its reservations in the same change that
 * ends it, whatever happens to the table after; the rows left behind are dead and are dropped by
 * the next change of their bucket that meets them, right after the claim ends, or by the sweep.
 *
 * Rows are filed by pathPatterns.patternKeys: a pattern with KEY_DEPTH fixed leading components
 * (a literal path, `src/store/*.ts`) in the bucket of each of its keys, a broad one (`*.md`,
 * `src/**`) in the root file. Two overlapping patterns share a key unless one of them is broad,
 * so a pattern is checked against its buckets and the root; a broad one against everything.
 */
import { isSwarmError } from '../../errors.js';
import { bucketOf, fileMatches, patternKeys, patternsOverlap } from '../../model/pathPatterns.js';
import type { LiveReservation, Reservation, WorkItem } from '../../model/types.js';
import type { Store, TxnView } from './Store.js';
import { RESERVATION_BUCKETS, RESERVATIONS_FILE, reservationBucketFile } from './storeFiles.js';
import { readItems } from './storeShapes.js';

/** The root file: broad rows, and a counter every change of the table bumps. */
interface RootFile {
  changes: number;
  broad: Reservation[];
}

type Reader = Pick<TxnView, 'readJson'>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRow = (v: unknown): boolean => isObject(v) && typeof v.path === 'string' && typeof v.work_item_id === 'string' && typeof v.agent_id === 'string' && typeof v.fencing_token === 'number';
export const isRows = (v: unknown): boolean => Array.isArray(v) && v.every(isRow);
export const isRoot = (v: unknown): boolean => isObject(v) && typeof v.changes === 'number' && isRows(v.broad);
const EMPTY_ROOT: RootFile = { changes: 0, broad: [] };

const bucketFileOf = (key: string) => reservationBucketFile(bucketOf(key, RESERVATION_BUCKETS));
const ALL_BUCKETS = Array.from({ length: RESERVATION_BUCKETS }, (_, i) => reservationBucketFile(i));

/** The files a row of this pattern is kept in: the root (broad) or its buckets. */
function homesOf(path: string): string[] {
  const keys = patternKeys(path);
  return keys === null ? [RESERVATIONS_FILE] : [...new Set(keys.map(bucketFileOf))];
}

/** The files that may hold rows overlapping the query; every file when it has a broad pattern or is empty. */
export function indexFilesFor(query: { patterns?: readonly string[]; files?: readonly string[] } = {}): string[] {
  if (!query.patterns?.length && !query.files?.length) return [RESERVATIONS_FILE, ...ALL_BUCKETS];
  const files = new Set([RESERVATIONS_FILE]);
  for (const p of query.patterns ?? []) {
    const keys = patternKeys(p);
    if (keys === null) return [RESERVATIONS_FILE, ...ALL_BUCKETS];
    for (const k of keys) files.add(bucketFileOf(k));
  }
  for (const f of query.files ?? []) for (const k of patternKeys(f, true) ?? []) files.add(bucketFileOf(k));
  return [...files];
}

/** The rows of `files`, each once. */
export async function readRows(r: Reader, files: readonly string[]): Promise<Reservation[]> {
  const seen = new Set<string>();
  const out: Reservation[] = [];
  for (const file of files) {
    const rows = file === RESERVATIONS_FILE ? (await r.readJson<RootFile>(file, EMPTY_ROOT, isRoot)).broad : await r.readJson<Reservation[]>(file, [], isRows);
    for (const row of rows) {
      const k = rowKey(row);
      if (!seen.has(k)) {
        seen.add(k);
        out.push(row);
      }
    }
  }
  return out;
}

/** A table file as parsed once: its bytes, its rows, its literal rows by path, and its glob rows. */
interface ParsedFile {
  bytes: Buffer;
  rows: Reservation[];
  literal: Map<string, Reservation[]>;
  globs: Reservation[];
}

/**
 * The rows of the query's files that may matter to it (every row for an empty query), for checks
 * a long-lived process repeats (check-paths, reserve, ready). A file whose bytes are what they were
 * when last read is not parsed again (the bytes themselves are compared: no stat field can tell two
 * versions apart for certain when an inode is reused within a timestamp tick), and a file asked
 * about is looked up among the literal rows by path: the lookup costs about the same whatever the
 * table holds. Without locks it reads each file as it is; under the table's lock, the table.
 */
export async function candidateRows(store: Store, query: { patterns?: readonly string[]; files?: readonly string[] } = {}): Promise<Reservation[]> {
  const files = indexFilesFor(query);
  const patterns = query.patterns ?? [];
  const asked = query.files ?? [];
  const everything = patterns.length === 0 && asked.length === 0;
  const contents = await Promise.all(files.map((f) => store.readStoreBytes(f)));
  const out: Reservation[] = [];
  for (const [i, file] of files.entries()) {
    const parsed = parsedFile(store, file, contents[i]!);
    if (!parsed) continue;
    if (everything) {
      out.push(...parsed.rows);
      continue;
    }
    for (const f of asked) out.push(...(parsed.literal.get(f) ?? []), ...parsed.globs.filter((r) => fileMatches(r.path, f)));
    if (patterns.length) out.push(...parsed.rows.filter((r) => patterns.some((p) => patternsOverlap(p, r.path))));
  }
  return dedupe(out);
}

/** One file's rows as its bytes say (null: absent), decoded and parsed again only when they changed. */
function parsedFile(store: Store, file: string, bytes: Buffer | null): ParsedFile | null {
  const path = store.path(file);
  if (bytes === null) {
    parsedFiles.delete(path);
    return null;
  }
  const hit = parsedFiles.get(path);
  if (hit && hit.bytes.equals(bytes)) return hit;
  const text = bytes.toString('utf8');
  const rows = file === RESERVATIONS_FILE ? store.parseJson<RootFile>(file, text, EMPTY_ROOT, isRoot).broad : store.parseJson<Reservation[]>(file, text, [], isRows);
  const parsed: ParsedFile = { bytes, rows, literal: new Map(), globs: [] };
  for (const row of rows) {
    if (GLOB.test(row.path)) parsed.globs.push(row);
    else parsed.literal.set(row.path, [...(parsed.literal.get(row.path) ?? []), row]);
  }
  if (parsedFiles.size >= 1024) parsedFiles.clear();
  parsedFiles.set(path, parsed);
  return parsed;
}

const parsedFiles = new Map<string, ParsedFile>();

function dedupe(rows: readonly Reservation[]): Reservation[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(rowKey(r)) && !!seen.add(rowKey(r)));
}

const rowKey = (r: Reservation) => `${r.work_item_id}\n${r.fencing_token}\n${r.path}`;

/** The rows of a claimed item's reservations. */
export function rowsOf(item: WorkItem): Reservation[] {
  return (item.reserved_paths ?? []).map((p) => ({
    path: p.path,
    shared: !!p.shared,
    work_item_id: item.work_item_id,
    agent_id: item.agent_id ?? '',
    fencing_token: item.fencing_token ?? 0,
    ...(p.reason ? { reason: p.reason } : {}),
    reserved_at: p.reserved_at,
  }));
}

/** Whether `item` (found active, or undefined) keeps `row` live. */
function keeps(item: WorkItem | undefined, row: Reservation): boolean {
  return !!item && item.agent_id === row.agent_id && (item.fencing_token ?? 0) === row.fencing_token && (item.reserved_paths ?? []).some((p) => p.path === row.path && !!p.shared === row.shared);
}

/** What one operation learnt of claims: the active item, null (not active), or 'unknown' (unreadable). */
export type ClaimCache = Map<string, WorkItem | null | 'unknown'>;

const GLOB = /[*?{]/;

/**
 * Keeps the live rows, with their claim's lease. Claims are looked up without locks, each active
 * shard read once, between two reads of the layout (a split meanwhile: the ids not found are looked
 * up again), so a split cannot hide an active item. A claim whose shard cannot be read (damaged)
 * is taken as live: a conflict may be reported that is not there, never missed. Lookups are kept
 * in `cache` across the calls of one operation.
 */
export async function liveRows(store: Store, rows: readonly Reservation[], cache: ClaimCache = new Map()): Promise<LiveReservation[]> {
  const ids = [...new Set(rows.map((r) => r.work_item_id))].filter((id) => !cache.has(id));
  if (ids.length) await lookUp(store, ids, cache);
  const out: LiveReservation[] = [];
  for (const row of rows) {
    const item = cache.get(row.work_item_id);
    if (item === 'unknown') out.push({ ...row, lease_expires_at: null });
    else if (item && keeps(item, row)) out.push({ ...row, lease_expires_at: item.lease_expires_at ?? null });
  }
  return out;
}

async function lookUp(store: Store, ids: readonly string[], cache: ClaimCache): Promise<void> {
  let pending = [...ids];
  for (let attempt = 0; attempt < 5 && pending.length; attempt++) {
    const layout = await store.readLayout();
    const byFile = new Map<string, string[]>();
    for (const id of pending) byFile.set(store.activeFile(id), [...(byFile.get(store.activeFile(id)) ?? []), id]);
    const missing: string[] = [];
    for (const [file, group] of byFile) {
      let items: WorkItem[];
      try {
        items = await readItems(store, file);
      } catch (err) {
        if (!isSwarmError(err, 'STORE_CORRUPT')) throw err;
        for (const id of group) cache.set(id, 'unknown');
        continue;
      }
      const here = new Map(items.map((w) => [w.work_item_id, w]));
      for (const id of group) {
        const found = here.get(id);
        if (found) cache.set(id, found);
        else missing.push(id);
      }
    }
    if ((await store.readLayout()) === layout) {
      for (const id of missing) cache.set(id, null);
      return;
    }
    pending = missing;
  }
  for (const id of pending) cache.set(id, 'unknown');
}

/**
 * The writes that take `remove` out of the table and put `add` in, inside a transaction holding
 * RESERVATIONS_FILE's lock: every file they touch, plus the root (always rewritten, see
 * storeFiles.ts). Rows for which `drop` is true are removed from the files touched as well.
 */
export async function tableWrites(view: Reader, remove: readonly Reservation[], add: readonly Reservation[], drop: (row: Reservation) => boolean = () => false): Promise<Map<string, string>> {
  const gone = new Set(remove.map(rowKey));
  const files = new Set<string>([RESERVATIONS_FILE]);
  for (const row of [...remove, ...add]) for (const f of homesOf(row.path)) files.add(f);
  const writes = new Map<string, string>();
  for (const file of files) {
    const incoming = add.filter((row) => homesOf(row.path).includes(file));
    const fresh = new Set(incoming.map(rowKey));
    const keep = (rows: readonly Reservation[]) => [...rows.filter((row) => !gone.has(rowKey(row)) && !fresh.has(rowKey(row)) && !drop(row)), ...incoming];
    if (file === RESERVATIONS_FILE) {
      const root = await view.readJson<RootFile>(file, EMPTY_ROOT, isRoot);
      writes.set(file, compact({ changes: root.changes + 1, broad: keep(root.broad) }));
    } else {
      writes.set(file, compact(keep(await view.readJson<Reservation[]>(file, [], isRows))));
    }
  }
  return writes;
}

/** The whole table for these active items: every file's rows (the root's with a change counter). */
export function wholeTable(items: readonly WorkItem[], changes: number): Map<string, string> {
  const files = new Map<string, Reservation[]>([[RESERVATIONS_FILE, []], ...ALL_BUCKETS.map((f): [string, Reservation[]] => [f, []])]);
  for (const row of items.flatMap(rowsOf)) for (const f of homesOf(row.path)) files.get(f)!.push(row);
  const out = new Map<string, string>();
  for (const [file, rows] of files) out.set(file, compact(file === RESERVATIONS_FILE ? { changes, broad: rows } : rows));
  return out;
}

/** The table's files hold one row per line (JSON, not indented): read on every check, kept small. */
function compact(value: RootFile | readonly Reservation[]): string {
  const rows = Array.isArray(value) ? value : (value as RootFile).broad;
  const lines = rows.map((r) => JSON.stringify(r)).join(',\n');
  const body = rows.length ? `[\n${lines}\n]` : '[]';
  return Array.isArray(value) ? `${body}\n` : `{"changes":${(value as RootFile).changes},"broad":${body}}\n`;
}

/** Whether two reservation lists of one item differ (nothing to write when they do not). */
export function sameReservations(a: WorkItem, b: WorkItem): boolean {
  return JSON.stringify(rowsOf(a)) === JSON.stringify(rowsOf(b));
}

