/**
 * The sharded JSON store: the only user of writeFileAtomic (temp file, fsync, rename).
 *
 * Every mutation runs in `transact(files, body)`:
 *   1. lock the files (sorted order), 2. look for an orphaned intent touching them (left by a
 *   SIGKILLed process) and, if found, drop our locks, replay it and start again, 3. read, let
 *   `body` compute new contents, 4. if more than one file changes, write an intent file holding
 *   every change (the commit point), 5. apply each change atomically, 6. delete the intent.
 * A crash before (4) leaves nothing; after it, the next operation touching any of those files
 * replays the intent, so multi-file operations are all-or-nothing. A change of one file commits by
 * rename (or unlink) alone, except an append, which goes through an intent too.
 */
import { constants as fsc, lstatSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../config.js';
import { SwarmError, ioError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import { acquireLock, acquireLocks, releaseLocks, tryAcquireLock, type HeldLock, type LockStats } from '../../lock/acquireLocks.js';
import { removePrepared } from '../../lock/lockDir.js';
import { mkdirs } from '../../mkdirs.js';
import { reportWarning } from '../../warnings.js';
import { currentHost as currentHostName, processAlive } from '../../model/processIdentity.js';
import { activeShardsOf, isFormat, overLimits, shardOfId, SPLIT_BYTES, SPLIT_ITEMS, type FormatRecord } from './shardLayout.js';
import { splitShard } from './splitShard.js';
import { ALL_FILES, FORMAT_FILE, INTENT_PREFIX, intentFiles, intentName, parseShardFile, preparedLockWriter, SHARD_DIR, shardFile, tempFileTarget, tempFileWriter } from './storeFiles.js';
import { writeFileAtomic } from './writeFileAtomic.js';
import { appendingSegment, EVENT_DIR, EVENT_LANES, laneFile, laneSegmentFile, listLanes } from './eventLanes.js';
import type { ChangeEvent } from '../../model/changeEvent.js';
import { monotonicMs } from '../../model/clock.js';
import { backoffDelay } from '../../lock/backoffDelay.js';

export type ChangeOp =
  | { kind: 'write'; file: string; data: string }
  | { kind: 'append'; file: string; offset: number; data: string }
  | { kind: 'delete'; file: string }
  /** Replace `file` by a complete, fsynced temporary file of the body's (see Store.writeTemp). */
  | { kind: 'rename'; file: string; from: string };

interface IntentBody {
  txid: string;
  pid: number;
  created_at: string;
  ops: ChangeOp[];
}

/** What a transaction body sees: the locked files, read on demand and cached. */
export interface TxnView {
  readJson<T>(file: string, fallback: T, check: (v: unknown) => boolean): Promise<T>;
  /**
   * Locks one more file whose name the body only learnt by reading (claim-next picks an item,
   * then locks its shard). To keep the global lock order, it must sort after every file already
   * held; otherwise this throws INTERNAL. Changes to it commit with the rest, all or nothing.
   */
  lock(file: string): Promise<void>;
  /**
   * Locks one more file if that needs no waiting, in any order (nothing waits while holding it);
   * false when someone else holds it. Changes to it commit with the rest, all or nothing.
   */
  tryLock(file: string): Promise<boolean>;
  /**
   * The active shard file of `id` by the layout as it is now (read afresh on each call). A body
   * holding the lock of the shard it was routed to compares: the shard cannot split while held,
   * so if they agree the id belongs there; if not, a split moved it and the body starts over.
   */
  activeFile(id: string): Promise<string>;
  /** activeFile for many ids from one fresh read of the layout (claim-next serving a batch). */
  router(): Promise<(id: string) => string>;
}

export interface TxnPlan<T> {
  /** New full contents of JSON files (serialised here). */
  writes?: Map<string, unknown>;
  /** New full contents of text files, written as given (rewritten JSON Lines logs). */
  texts?: Map<string, string>;
  /** Lines (each ending in \n) to append to JSON Lines logs. */
  appends?: Map<string, string>;
  /** Files to remove (emptied backlog segments). */
  deletes?: string[];
  /** Files replaced by temporary files the body wrote with Store.writeTemp (content streamed, not held). */
  replaces?: Map<string, string>;
  /** Apply the changes one after another in the order given (a split: see splitShard.ts). */
  ordered?: boolean;
  /** The change log's events of this change: appended to a lane in the same commit (eventLanes.ts). */
  events?: ChangeEvent[];
  /** Set by the store: sizes of logs already read under their locks in this transaction (the lane). */
  knownSizes?: Map<string, number>;
  result: T;
}

/** What a commit wrote of a JSON array (an active shard, a segment): for the split check. */
interface Written {
  file: string;
  items: number;
  /** Bytes of the JSON written (UTF-8). */
  bytes: number;
}

/** Thrown inside a transaction when a file locked late has an orphaned intent: start over. */
class RestartTransaction extends Error {
  constructor(readonly orphan: string) {
    super(`orphaned intent ${orphan}`);
  }
}

let txCounter = 0;
/** Change-log lanes held by this process's transactions, by store directory (Store.logEvents). */
const lanesInUse = new Map<string, Set<number>>();
/** How often this process reached each fault point (the test hooks' `step#N`). */
const faultSteps = new Map<string, number>();
/** settle sweeps shards/ of leftover temporary files at most this often per process. */
const SHARD_SWEEP_INTERVAL_MS = 1000;

export class Store {
  readonly dir: string;
  /** The shard count the store was created with: completed logs and counters, and the first active shards. */
  readonly shards: number;
  /** This process created the store when it opened it (openStore). */
  created = false;
  private readonly config: Readonly<Config>;
  /** The active shard count as this process last read it (splits only ever raise it). */
  private seenActiveShards: number;
  /** When settle last swept shards/ (performance.now()). */
  private shardDirSweptAt = Number.NEGATIVE_INFINITY;
  /**
   * Stores of this process with equal keys behave alike (same directory, locks, durability and
   * test hooks), so one may do another's work: claim-next serves them in one transaction.
   */
  readonly sharingKey: string;

  constructor(config: Readonly<Config>, shards: number, activeShards: number = shards) {
    this.config = config;
    this.dir = config.dir;
    const { lock, fsync, fsyncDir, crashAt, stallAt, failAt } = config;
    this.sharingKey = JSON.stringify([resolve(config.dir), lock, fsync, fsyncDir, crashAt, stallAt, failAt]);
    this.shards = shards;
    this.seenActiveShards = activeShards;
  }

  /** The active shard count as last seen; `readLayout` reads it afresh. */
  get activeShards(): number {
    return this.seenActiveShards;
  }

  /** The active shard file of `id` by the layout as last seen (to choose what to lock; see TxnView.activeFile). */
  activeFile(id: string): string {
    return this.fileOf(id, this.seenActiveShards);
  }

  /** The active shard number of `id` by the layout as last seen (telemetry's store.shard). */
  activeShardOf(id: string): number {
    return shardOfId(id, this.shards, this.seenActiveShards);
  }

  /** The active shard file of `id` with `count` active shards. */
  private fileOf(id: string, count: number): string {
    return shardFile(shardOfId(id, this.shards, count), this.shards);
  }

  /** Reads the active shard count afresh (no locks) and returns it. */
  async readLayout(): Promise<number> {
    return this.learnLayout(await this.readJson<FormatRecord | null>(FORMAT_FILE, null, isFormat));
  }

  private learnLayout(rec: FormatRecord | null): number {
    const n = rec ? activeShardsOf(rec) : null;
    if (n === null || rec!.shards !== this.shards) {
      throw new SwarmError('STORE_CORRUPT', `${this.path(FORMAT_FILE)} no longer describes this store's shards; it was left as it is. Run 'coordination_helper fsck'.`, { path: this.path(FORMAT_FILE) });
    }
    if (n > this.seenActiveShards) this.seenActiveShards = n;
    return n;
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  /** Runs `body` under the locks of `files` and commits what it returns, all or nothing. */
  async transact<T>(files: readonly string[], stats: LockStats, body: (view: TxnView) => Promise<TxnPlan<T>>): Promise<T> {
    let overfull = false;
    let result: T | undefined;
    /** The change-log lane this attempt holds (logEvents), -1 for none. */
    let lane = -1;
    for (;;) {
      for (const f of files) this.refuseLinkedDir(f); // before a lock directory is made in it
      const takeovers = stats.takeovers;
      const locks = await acquireLocks(files.map((f) => this.path(f)), this.config.lock, stats);
      const held = [...files];
      try {
        // A dead holder of a shard in SHARD_DIR may have left temporary files there (the top
        // directory's are swept by scanForOrphans on every transaction).
        if (stats.takeovers > takeovers && files.some((f) => f.includes('/'))) await this.sweepShardDir();
        const orphan = await this.scanForOrphans(files);
        if (orphan) {
          await releaseLocks(locks);
          await this.recoverIntent(orphan, stats);
          continue;
        }
        // A lock taken late joins the transaction; an orphaned intent on its file restarts it.
        const adopt = async (file: string, lock: HeldLock) => {
          locks.push(lock);
          held.push(file);
          const late = await this.scanForOrphans([file]);
          if (late) throw new RestartTransaction(late);
        };
        const lockMore = async (file: string) => {
          if (held.includes(file)) return;
          const path = this.path(file);
          if (locks.some((l) => l.path >= path)) throw new SwarmError('INTERNAL', `late lock ${file} would break the lock order`);
          this.refuseLinkedDir(file);
          await adopt(file, await acquireLock(path, this.config.lock, stats));
        };
        const tryMore = async (file: string) => {
          if (held.includes(file)) return true;
          this.refuseLinkedDir(file);
          const lock = await tryAcquireLock(this.path(file), this.config.lock, stats);
          if (lock) await adopt(file, lock);
          return lock !== null;
        };
        const plan = await body(this.view(lockMore, tryMore));
        if (plan.events?.length && this.config.changeLog) lane = await this.logEvents(plan, tryMore);
        overfull = this.overfull(await this.commit(plan, locks));
        result = plan.result;
        break;
      } catch (err) {
        if (!(err instanceof RestartTransaction)) throw err;
        await releaseLocks(locks);
        await this.recoverIntent(err.orphan, stats);
      } finally {
        await releaseLocks(locks);
        if (lane >= 0) this.lanesHere.delete(lane);
        lane = -1;
      }
    }
    if (overfull) await this.splitAfter(stats);
    return result as T;
  }

  /**
   * Takes a free lane of the change log (tryLock only: never waits while holding the rest),
   * rotates it if it is full, and adds the events to the plan as an append to it: the intent that
   * commits the change commits its events.
   */
  private async logEvents(plan: TxnPlan<unknown>, tryMore: (file: string) => Promise<boolean>): Promise<number> {
    this.ensureSubdir(EVENT_DIR);
    const start = Math.floor(Math.random() * EVENT_LANES);
    const began = monotonicMs();
    let lane = -1;
    for (let attempt = 0; lane < 0; attempt++) {
      // Lanes other transactions of this process hold are skipped without trying their locks.
      for (let i = 0; i < EVENT_LANES && lane < 0; i++) {
        const l = (start + i) % EVENT_LANES;
        if (this.lanesHere.has(l)) continue;
        this.lanesHere.add(l);
        let got = false;
        try {
          got = await tryMore(laneFile(l));
        } finally {
          if (got) lane = l;
          else this.lanesHere.delete(l);
        }
      }
      if (lane >= 0) break;
      if (monotonicMs() - began > this.config.lock.timeoutMs) {
        throw new SwarmError('LOCK_TIMEOUT', `every lane of the change log in ${this.path(EVENT_DIR)} stayed locked for ${Math.round(this.config.lock.timeoutMs)} ms; nothing was committed`, { path: this.path(EVENT_DIR) });
      }
      // Every lane is busy only for a commit's moment: try again soon (each try is a few syscalls).
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, 1, 8)));
    }
    const file = laneFile(lane);
    plan.knownSizes = new Map([[file, await this.rotateLane(lane)]]);
    const lines = plan.events!.map((e) => JSON.stringify(e) + '\n').join('');
    plan.appends = new Map(plan.appends ?? []);
    plan.appends.set(file, (plan.appends.get(file) ?? '') + lines);
    return lane;
  }

  /** Lanes held by transactions of this process on this store (shared by every Store of the directory). */
  private get lanesHere(): Set<number> {
    let set = lanesInUse.get(this.dir);
    if (!set) lanesInUse.set(this.dir, (set = new Set()));
    return set;
  }

  /** Under the lane's lock: a full lane becomes the next segment; the oldest segments go past the budget. Returns the lane's size after. */
  private async rotateLane(lane: number): Promise<number> {
    const file = laneFile(lane);
    const size = await this.logSize(file);
    if (size < this.config.eventsRotationBytes) return size;
    const dir = this.path(EVENT_DIR);
    const listing = await listLanes(dir).catch((err) => {
      throw ioError(err, 'listing', dir);
    });
    const next = appendingSegment(listing, lane);
    await fs.rename(this.path(file), this.path(laneSegmentFile(lane, next))).catch((err) => {
      throw ioError(err, 'rotating', this.path(file));
    });
    const kept = [...listing.segments[lane]!, { segment: next, size }];
    let total = kept.reduce((n, s) => n + s.size, 0);
    // Each lane keeps its share of the budget, and always its newest segment (which numbers the next).
    while (kept.length > 1 && total > this.config.eventsMaxBytes / EVENT_LANES) {
      const old = kept.shift()!;
      total -= old.size;
      await fs.unlink(this.path(laneSegmentFile(lane, old.segment))).catch(() => undefined);
    }
    await this.syncDir([{ kind: 'delete', file }]);
    return 0;
  }

  /** Whether the commit left an active shard with more than SPLIT_ITEMS items or SPLIT_BYTES bytes. */
  private overfull(written: readonly Written[]): boolean {
    return written.some((w) => overLimits(w.items, w.bytes) && parseShardFile(w.file, this.shards) !== null);
  }

  /** One split after a commit that left a shard overfull; the commit stands whatever happens here. */
  private async splitAfter(stats: LockStats): Promise<void> {
    try {
      await splitShard(this, stats);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      reportWarning('SwarmfileSplitWarning', `an active shard is over ${SPLIT_ITEMS} items or ${SPLIT_BYTES} bytes and could not be split now: ${why}. The next write to an overfull shard tries again.`);
    }
  }

  /**
   * Completes every intent currently in the directory (waiting for live owners to finish), so a
   * lock-free reader afterwards sees each multi-file change whole or not at all.
   */
  async settle(stats: LockStats): Promise<void> {
    for (const name of await this.listDir()) {
      if (intentFiles(name)) await this.recoverIntent(name, stats);
    }
    // Leftover temporary files are only litter: a long-lived process sweeps them once a second,
    // not on every read (shards/ also holds the reservation table's buckets).
    const now = performance.now();
    if (now - this.shardDirSweptAt >= SHARD_SWEEP_INTERVAL_MS) {
      this.shardDirSweptAt = now;
      await this.sweepShardDir();
    }
  }

  /**
   * Removes temporary files and half-made lock directories in SHARD_DIR whose writer is gone.
   * They are garbage only (never read as data), so this runs where a crash is known to have
   * happened (a lock taken over from a dead holder) and before lock-free reads (settle).
   */
  private async sweepShardDir(): Promise<void> {
    for (const sub of [SHARD_DIR, EVENT_DIR]) await this.sweepSubdir(sub);
  }

  private async sweepSubdir(sub: string): Promise<void> {
    // A symlink (or file) planted at the directory is never listed through, let alone swept.
    if (!(await fs.lstat(this.path(sub)).catch(() => null))?.isDirectory()) return;
    const names = await fs.readdir(this.path(sub)).catch(() => [] as string[]);
    for (const name of names) {
      const file = `${sub}/${name}`;
      if (tempFileTarget(name) !== null && writerGone(tempFileWriter(name))) await fs.unlink(this.path(file)).catch(() => undefined);
      const preparer = preparedLockWriter(name);
      if (preparer !== null && writerGone(preparer)) removePrepared(this.path(file));
    }
  }

  /** Reads a JSON file without locks (files are only ever replaced by rename, never edited). */
  async readJson<T>(file: string, fallback: T, check: (v: unknown) => boolean): Promise<T> {
    return this.parseJson(file, await this.readStoreFile(file), fallback, check);
  }

  /** A store file's text (null: absent) parsed and checked as readJson does; STORE_CORRUPT when it is not that. */
  parseJson<T>(file: string, text: string | null, fallback: T, check: (v: unknown) => boolean): T {
    if (text === null) return fallback;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The parser's message quotes the file's content: never echo a file (it may not be ours).
      throw new SwarmError('STORE_CORRUPT', `${this.path(file)} is not valid JSON (${text.length} characters); it was left as it is. Run 'coordination_helper fsck'.`, { path: this.path(file) });
    }
    if (!check(value)) {
      throw new SwarmError('STORE_CORRUPT', `${this.path(file)} does not have the expected shape; it was left as it is.`, { path: this.path(file) });
    }
    return value as T;
  }

  /** A file's text, '' when it does not exist (no locks). */
  async readText(file: string): Promise<string> {
    return (await this.readStoreFile(file)) ?? '';
  }

  /** A store file's text, null when absent; a symlink in its place is damage, never followed. */
  async readStoreFile(file: string): Promise<string | null> {
    return (await this.readStoreBytes(file))?.toString('utf8') ?? null;
  }

  /** A store file's bytes, null when absent (as readStoreFile). */
  async readStoreBytes(file: string): Promise<Buffer | null> {
    const path = this.path(file);
    this.refuseLinkedDir(file);
    try {
      return await fs.readFileNoFollow(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'ELOOP') {
        throw new SwarmError('STORE_CORRUPT', `${path} is a symbolic link; swarmfile never follows links in its store. It was left as it is: move it aside.`, { path });
      }
      throw ioError(err, 'reading', path);
    }
  }


  /**
   * Reads a JSON Lines log. A last line without its newline is an append still in flight and is
   * skipped; any other unparsable line is reported through `onBadLine` and skipped.
   */
  async readLog<T>(file: string, onBadLine?: (lineNo: number, text: string) => void): Promise<T[]> {
    const text = await this.readStoreFile(file);
    if (text === null) return [];
    const out: T[] = [];
    const lines = text.split('\n');
    // The last piece is '' (text ended with \n) or an unfinished line: skip it either way.
    for (let i = 0; i < lines.length - 1; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as T);
      } catch {
        onBadLine?.(i + 1, line);
      }
    }
    return out;
  }

  /** Writes a whole file atomically outside any transaction (new, unshared files such as archives). */
  async writeFile(file: string, data: string | Buffer): Promise<void> {
    await this.atomicWrite(file, data);
  }

  /**
   * A throttle shared by every process: true (and the stamp file's mtime is set to now) when the
   * stamp is missing or older than `minAgeMs`. A stamp dated in the future (the clock was stepped
   * back) counts as due, so a clock step can never switch the throttled work off. Two processes may
   * both get true; callers must be safe to run concurrently. A symlink in the stamp's place is
   * replaced, never followed (the stamp holds no data).
   */
  async claimStamp(file: string, minAgeMs: number): Promise<boolean> {
    const path = this.path(file);
    const st = await fs.lstat(path).catch(() => null);
    const now = Date.now();
    if (st && st.isFile() && now - st.mtimeMs < minAgeMs && st.mtimeMs <= now + 1000) return false;
    if (st && !st.isFile()) await fs.unlink(path).catch(() => undefined);
    let fd: number | undefined;
    try {
      fd = await fs.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o666);
      await fs.futimes(fd, new Date(now), new Date(now));
    } catch (err) {
      // A throttle that cannot be kept (a directory planted in its place, a read-only file) must
      // not stop the work it throttles: do it every time, and say so.
      reportWarning('SwarmfileStampWarning', `${ioError(err, 'touching', path).message}; the scan it throttles runs on every call until it is fixed`);
    } finally {
      if (fd !== undefined) await fs.close(fd).catch(() => undefined);
    }
    return true;
  }

  /**
   * Streams content into a new temporary file beside `file` (named as writeFileAtomic names them,
   * so a crash leaves a leftover the next locker sweeps), fsyncs and closes it; returns its name
   * relative to the store, for TxnPlan.replaces (inside a transaction holding `file`'s lock) or for
   * a rename of a new file of one's own. Memory holds one chunk at a time.
   */
  async writeTemp(file: string, produce: (write: (chunk: Uint8Array) => Promise<void>) => Promise<void>): Promise<string> {
    const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
    const name = `${file}.${process.pid.toString(16)}${rand}`;
    const path = this.path(name);
    let fd: number | undefined;
    try {
      fd = await fs.open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o666);
      const out = fd;
      await produce((chunk) => fs.writeAll(out, chunk));
      if (this.config.fsync) await fs.fsync(fd);
      await fs.close(fd);
      fd = undefined;
      return name;
    } catch (err) {
      if (fd !== undefined) await fs.close(fd).catch(() => undefined);
      await fs.unlink(path).catch(() => undefined);
      throw ioError(err, 'writing', path);
    }
  }

  /** Renames a complete file of one's own (a new archive) into place, durably. */
  async publish(from: string, to: string): Promise<void> {
    try {
      await fs.rename(this.path(from), this.path(to));
    } catch (err) {
      throw ioError(err, 'renaming', this.path(to));
    }
    if (this.config.fsync && this.config.fsyncDir) await fs.fsyncDir(join(this.dir, to, '..')).catch((err) => {
      throw ioError(err, 'syncing directory', this.dir);
    });
  }

  /** Whether a store file exists (no locks). */
  async exists(file: string): Promise<boolean> {
    return fs.stat(this.path(file)).then(
      () => true,
      () => false,
    );
  }

  /** Lists the store directory (no locks): file names only. */
  async list(): Promise<string[]> {
    return this.listDir();
  }

  /**
   * O_NOFOLLOW guards a file's last component only: a file in SHARD_DIR is refused when SHARD_DIR
   * itself is a symlink (one lstat; it is never followed, read or written through).
   */
  private refuseLinkedDir(file: string): void {
    const slash = file.indexOf('/');
    if (slash < 0) return;
    const dir = this.path(file.slice(0, slash));
    let linked = false;
    try {
      linked = !lstatSync(dir).isDirectory();
    } catch {
      /* absent: the file is absent too */
    }
    if (linked) throw new SwarmError('STORE_CORRUPT', `${dir} is not a directory (a symbolic link or a file); swarmfile never follows links in its store. It was left as it is: move it aside.`, { path: dir });
  }

  /** Creates SHARD_DIR (before locking a file in it); a symlink or file in its place is refused. */
  ensureShardDir(): void {
    this.ensureSubdir(SHARD_DIR);
  }

  /** Subdirectories made (or found) by this process: made once. */
  private readonly madeDirs = new Set<string>();

  /** Creates a subdirectory of the store (SHARD_DIR, EVENT_DIR); a symlink or file in its place is refused. */
  ensureSubdir(name: string): void {
    if (!this.madeDirs.has(name)) {
      const dir = this.path(name);
      try {
        mkdirs(dir);
      } catch (err) {
        throw ioError(err, 'creating', dir);
      }
      this.madeDirs.add(name);
    }
    this.refuseLinkedDir(`${name}/`);
  }

  /** Lists the store directory and SHARD_DIR in it (`shards/<name>`), for fsck and repair. */
  async listAll(): Promise<string[]> {
    const linked = (await fs.lstat(this.path(SHARD_DIR)).catch(() => null))?.isSymbolicLink();
    const sub = linked ? [] : await fs.readdir(this.path(SHARD_DIR)).catch(() => [] as string[]);
    return [...(await this.listDir()), ...sub.map((n) => `${SHARD_DIR}/${n}`)];
  }

  private view(lock: (file: string) => Promise<void>, tryLock: (file: string) => Promise<boolean>): TxnView {
    const cache = new Map<string, unknown>();
    const readJson = async <T>(file: string, fallback: T, check: (v: unknown) => boolean) => {
      if (!cache.has(file)) cache.set(file, await this.readJson(file, fallback, check));
      return cache.get(file) as T;
    };
    return {
      lock,
      tryLock,
      readJson,
      activeFile: async (id: string) => this.fileOf(id, await this.readLayout()),
      router: async () => {
        const n = await this.readLayout();
        return (id: string) => this.fileOf(id, n);
      },
    };
  }

  /** The current byte length of an append-only log, read under its lock: appends go at this offset. */
  private async logSize(file: string): Promise<number> {
    try {
      const st = await fs.lstat(this.path(file));
      if (st.isSymbolicLink()) {
        throw new SwarmError('STORE_CORRUPT', `${this.path(file)} is a symbolic link; swarmfile never follows links in its store. It was left as it is: move it aside.`, { path: this.path(file) });
      }
      return st.size;
    } catch (err) {
      if (err instanceof SwarmError) throw err;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw ioError(err, 'reading', this.path(file));
    }
  }

  private async commit(plan: TxnPlan<unknown>, locks: readonly HeldLock[]): Promise<Written[]> {
    const ops: ChangeOp[] = [];
    const written: Written[] = [];
    for (const [file, value] of plan.writes ?? []) {
      const data = JSON.stringify(value, null, 2) + '\n';
      ops.push({ kind: 'write', file, data });
      if (Array.isArray(value)) written.push({ file, items: value.length, bytes: Buffer.byteLength(data) });
    }
    for (const [file, data] of plan.texts ?? []) ops.push({ kind: 'write', file, data });
    for (const [file, data] of plan.appends ?? []) {
      const known = plan.knownSizes?.get(file);
      ops.push({ kind: 'append', file, offset: known ?? (await this.logSize(file)), data });
    }
    for (const file of plan.deletes ?? []) ops.push({ kind: 'delete', file });
    for (const [file, from] of plan.replaces ?? []) ops.push({ kind: 'rename', file, from });
    if (ops.length === 0) return written;
    assertHeld(locks);
    this.faultPoint('before-commit');
    // One whole-file write, rename or delete is atomic by itself. An append is not (a crash can
    // leave a torn tail), so it goes through an intent like a multi-file change: replaying it
    // truncates to the recorded offset first.
    if (ops.length === 1 && ops[0]!.kind !== 'append' && !plan.ordered) {
      await this.applyOp(ops[0]!);
      await this.syncDir(ops);
      this.faultPoint('after-apply');
      return written;
    }
    const txid = `${Date.now()}-${process.pid}-${++txCounter}`;
    const name = intentName(txid, ops.map((o) => o.file));
    const intent: IntentBody = { txid, pid: process.pid, created_at: new Date().toISOString(), ops };
    await this.atomicWrite(name, JSON.stringify(intent), 'intent');
    await this.syncDir();
    this.faultPoint('after-intent');
    // Committed: the intent is durable, so from here the change has happened and is reported as
    // done whatever follows. Applying it is only a step ahead of whoever would replay it.
    try {
      assertHeld(locks);
      // The ops touch different files and each is idempotent, so they run at once and their
      // fsyncs overlap. All settle before the intent goes or the locks are released; any failure
      // leaves the intent for replay, as a failure in a sequence would.
      if (plan.ordered) {
        for (const [i, op] of ops.entries()) {
          await this.applyOp(op);
          this.faultPoint(`after-op-${i}`);
        }
      } else {
        const applied = await Promise.allSettled(
          ops.map(async (op, i) => {
            await this.applyOp(op);
            this.faultPoint(`after-op-${i}`);
          }),
        );
        const failed = applied.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
      await this.syncDir(ops);
      await fs.unlink(this.path(name));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      reportWarning('SwarmfileCommitWarning', `the change is committed (${this.path(name)}) but not yet applied: ${why}. The next command that touches these files applies it.`);
    }
    return written;
  }

  /**
   * Test hooks, by step name. SWARMFILE_CRASH_AT dies by SIGKILL there; SWARMFILE_STALL_AT stops
   * the process (SIGSTOP) there, still holding its locks, until a test sends SIGCONT or it is
   * killed as hung. Steps: before-commit, after-apply (single file), after-intent, after-op-N
   * (multi-file), before-rename-intent and before-rename-file (a temporary file complete, not
   * yet renamed), before-replay (an orphaned intent, under its locks). `step#N` names the Nth time
   * the process reaches the step.
   */
  private faultPoint(step: string): void {
    if (this.config.crashAt === undefined && this.config.stallAt === undefined) return;
    const seen = (faultSteps.get(step) ?? 0) + 1;
    faultSteps.set(step, seen);
    // `step#N`: the Nth time this process reaches the step (a claim's commit, then its split's).
    const hits = (hook: string | undefined) => hook === step || hook === `${step}#${seen}`;
    if (hits(this.config.crashAt)) process.kill(process.pid, 'SIGKILL');
    if (hits(this.config.stallAt)) process.kill(process.pid, 'SIGSTOP');
  }

  /** Makes the renames, creates and deletes of this commit durable (power loss), as databases do. */
  private async syncDir(ops: readonly ChangeOp[] = []): Promise<void> {
    if (!this.config.fsync || !this.config.fsyncDir) return;
    const dirs = new Set([this.dir]);
    for (const op of ops) {
      const slash = op.file.indexOf('/');
      if (slash > 0) dirs.add(this.path(op.file.slice(0, slash)));
    }
    for (const dir of dirs) {
      await fs.fsyncDir(dir).catch((err) => {
        throw ioError(err, 'syncing directory', dir);
      });
    }
  }

  private async atomicWrite(file: string, data: string | Buffer, kind: 'intent' | 'file' = 'file'): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.refuseLinkedDir(file);
    try {
      await writeFileAtomic(this.path(file), buf, { fsync: this.config.fsync, beforeRename: () => this.faultPoint(`before-rename-${kind}`) });
    } catch (err) {
      throw ioError(err, 'writing', this.path(file));
    }
  }

  /** Idempotent: replaying an op that already happened leaves the same bytes. */
  private async applyOp(op: ChangeOp): Promise<void> {
    if (this.config.failAt === 'apply') throw Object.assign(new Error('injected by SWARMFILE_FAIL_AT=apply'), { code: 'ENOSPC' });
    if (op.kind === 'write') return this.atomicWrite(op.file, op.data);
    const path = this.path(op.file);
    if (op.kind === 'rename') {
      // Replayed after a crash, the rename may already have happened: the temporary file is gone.
      await fs.rename(this.path(op.from), path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw ioError(err, 'replacing', path);
      });
      return;
    }
    if (op.kind === 'delete') {
      await fs.unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw ioError(err, 'removing', path);
      });
      return;
    }
    let fd: number | undefined;
    try {
      fd = await fs.open(path, fsc.O_RDWR | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o666);
      // Drops a torn tail left by a crash mid-append (a replay). Only then: a truncation is a
      // change of its own, which a watcher of the change log would be told of before the data.
      if ((await fs.fstatSize(fd)) !== op.offset) await fs.ftruncate(fd, op.offset);
      // write(2) may write less than asked (full disk): writeAll loops until all of it is down, or throws.
      await fs.writeAll(fd, Buffer.from(op.data, 'utf8'), op.offset);
      if (this.config.fsync) await fs.fsync(fd);
    } catch (err) {
      throw ioError(err, 'appending to', path);
    } finally {
      if (fd !== undefined) await fs.close(fd).catch(() => undefined);
    }
  }

  private async listDir(): Promise<string[]> {
    try {
      return await fs.readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(err, 'listing', this.dir);
    }
  }

  /**
   * Called while holding the locks of `files`. An intent naming one of them cannot belong to a
   * live holder (it would still hold that lock), so it is an orphan; an intent too long to name
   * its files (`*`) is read to learn them. Temporary files and half-made lock directories are
   * removed only once their writer is certainly gone: a running cleanup's or import's temporary
   * intent belongs to a live process even when its name says "every file".
   */
  private async scanForOrphans(files: readonly string[]): Promise<string | null> {
    const held = new Set(files);
    for (const name of await this.listDir()) {
      const touched = intentFiles(name);
      if (touched) {
        if (touched.some((f) => held.has(f))) return name;
        if (touched.includes(ALL_FILES)) {
          const body = await this.readIntent(name).catch(() => null);
          if (body?.ops.some((o) => held.has(o.file))) return name;
        }
        continue;
      }
      const target = tempFileTarget(name);
      if (target && (held.has(target) || target.startsWith(INTENT_PREFIX)) && writerGone(tempFileWriter(name))) {
        await fs.unlink(this.path(name)).catch(() => undefined);
        continue;
      }
      const preparer = preparedLockWriter(name);
      if (preparer !== null && writerGone(preparer)) removePrepared(this.path(name));
    }
    return null;
  }

  /** Replays an intent under all of its files' locks, unless someone else already finished it. */
  private async recoverIntent(name: string, stats: LockStats): Promise<void> {
    let files = intentFiles(name) ?? [];
    if (files.includes(ALL_FILES)) {
      const body = await this.readIntent(name);
      if (!body) return;
      files = body.ops.map((o) => o.file);
    }
    const locks = await acquireLocks(files.map((f) => this.path(f)), this.config.lock, stats);
    try {
      const body = await this.readIntent(name);
      if (!body) return; // its owner or another recoverer finished it
      this.faultPoint('before-replay');
      assertHeld(locks);
      for (const op of body.ops) await this.applyOp(op);
      await this.syncDir(body.ops);
      await fs.unlink(this.path(name)).catch(() => undefined);
    } finally {
      await releaseLocks(locks);
    }
  }

  private async readIntent(name: string): Promise<IntentBody | null> {
    const text = await this.readStoreFile(name);
    if (text === null) return null;
    try {
      return JSON.parse(text) as IntentBody;
    } catch {
      // Intents are written by atomic rename, so this is outside damage: keep it for inspection.
      throw new SwarmError('STORE_CORRUPT', `intent ${this.path(name)} is not valid JSON; move it aside after inspecting it`, { path: this.path(name) });
    }
  }
}

/** A temporary file's writer is certainly gone (a live or unknown one keeps its file). */
function writerGone(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false;
  return processAlive(pid, currentHostName(), null) === false;
}

/** Refuses to commit unless every lock is still ours (see HeldLock.stillHeld). */
function assertHeld(locks: readonly HeldLock[]): void {
  for (const l of locks) {
    if (!l.stillHeld()) {
      throw new SwarmError('LOCK_COMPROMISED', `lock on ${l.path} is no longer held by this process (its entry in ${l.path}.lock was removed); the change was not committed`, { path: l.path });
    }
  }
}
