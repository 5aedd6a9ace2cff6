import { constants as fsc } from 'node:fs';
import { ioError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import { loadPako } from '../../journal/readJournalFile.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import { mkdirs } from '../../mkdirs.js';
import { eventOf, type ChangeEvent } from '../../model/changeEvent.js';
import { FINISHED_STATUSES as FINISHED, type WorkItem } from '../../model/types.js';
import type { ArchiveOutcome } from '../WorkStore.js';
import type { Store } from './Store.js';
import { ARCHIVE_DIR, completedFile, WAITING_FILE } from './storeFiles.js';
import { readWaiting } from './storeShapes.js';

/** Lines of a file, read in chunks: memory holds one chunk and one line, whatever the file's size. */
async function forEachLine(path: string, visit: (line: string) => Promise<void>): Promise<string> {
  let fd: number;
  try {
    fd = await fs.open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw ioError(err, 'reading', path);
  }
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  try {
    for (let pos = 0; ; ) {
      const n = await fs.read(fd, chunk, 0, chunk.length, pos);
      if (n === 0) break;
      pos += n;
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10)) {
        await visit(data.subarray(0, nl).toString('utf8'));
        data = data.subarray(nl + 1);
      }
      carry = Buffer.from(data);
    }
  } finally {
    await fs.close(fd).catch(() => undefined);
  }
  return carry.toString('utf8'); // a last line without its newline: an append cut short
}

const CHUNK_BYTES = 1 << 20;

/**
 * SwarmSH-style TTL cleanup: finished (completed or cancelled) items older than the cutoff move
 * from the finished logs into gzip archives of JSON Lines (`list --archived`). Items that a
 * waiting item depends on stay, so dependency checks never need the archives.
 *
 * It streams, one shard's log at a time, in bounded memory whatever the history's size: under
 * that log's lock (and the waiting list's), the log is read in chunks; kept lines stream into a
 * temporary replacement and archived ones through a gzip stream into a new archive, which is
 * published first; then the replacement is committed by rename. Other logs stay unlocked
 * meanwhile. A crash in between leaves copies in an archive and the log, which readers drop (see
 * readArchived). Unparsable log lines are kept as they are.
 */
export async function archiveFinished(store: Store, stats: LockStats, nowMs: number, cutoffMs: number, dryRun: boolean): Promise<ArchiveOutcome> {
  const report: ArchiveOutcome = { archived: 0, archives: [] };
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  for (let i = 0; i < store.shards; i++) {
    const log = completedFile(i);
    if (!(await store.exists(log))) continue;
    // A pass archives at most ARCHIVE_BATCH items (their change-log events go in its intent, in
    // memory): a log with more old items takes several passes.
    for (let pass = 0, moved = ARCHIVE_BATCH; moved >= ARCHIVE_BATCH && !dryRun; pass++) moved = await archivePass(store, stats, log, i, pass, stamp, nowMs, cutoffMs, report);
    if (dryRun) await archivePass(store, stats, log, i, 0, stamp, nowMs, cutoffMs, report, true);
  }
  return report;
}

/** Items archived per transaction, at most. */
const ARCHIVE_BATCH = 5000;

/** One transaction over one shard's log; returns how many items it archived. */
async function archivePass(store: Store, stats: LockStats, log: string, i: number, pass: number, stamp: string, nowMs: number, cutoffMs: number, report: ArchiveOutcome, dryRun = false): Promise<number> {
  let moved = 0;
  const pako = await loadPako();
  {
    await store.transact([log, WAITING_FILE], stats, async (view) => {
      const needed = new Set((await readWaiting(view)).flatMap((w) => w.depends_on ?? []));
      const isOld = (line: string) => {
        let item: WorkItem | undefined;
        try {
          item = JSON.parse(line) as WorkItem;
        } catch {
          return false;
        }
        return FINISHED.has(item.status) && !!item.completed_at && Date.parse(item.completed_at) < cutoffMs && !needed.has(item.work_item_id);
      };
      if (dryRun) {
        await forEachLine(store.path(log), async (line) => {
          if (line && isOld(line)) report.archived++;
        });
        return { result: null };
      }
      moved = 0;
      const events: ChangeEvent[] = [];
      const archiveName = `${ARCHIVE_DIR}/finished-${stamp}-${process.pid}-${String(i).padStart(3, '0')}${pass ? `-${pass}` : ''}.jsonl.gz`;
      await Promise.resolve().then(() => mkdirs(store.path(ARCHIVE_DIR))).catch((err) => {
        throw ioError(err, 'creating', store.path(ARCHIVE_DIR));
      });
      let archiveTemp: string | undefined;
      const keptTemp = await store.writeTemp(log, async (writeKept) => {
        archiveTemp = await store.writeTemp(archiveName, async (writeArchive) => {
          const pending: Uint8Array[] = [];
          const gz = new pako.Deflate({ gzip: true });
          gz.onData = (c: Uint8Array) => void pending.push(c);
          const flush = async () => {
            for (const c of pending.splice(0)) await writeArchive(c);
          };
          const tail = await forEachLine(store.path(log), async (line) => {
            if (line && moved < ARCHIVE_BATCH && isOld(line)) {
              gz.push(Buffer.from(`${line}\n`), false);
              events.push(eventOf('archived', null, JSON.parse(line) as WorkItem, 'finished', 'archived', nowMs));
              moved++;
              await flush();
            } else if (line) await writeKept(Buffer.from(`${line}\n`));
          });
          if (tail) await writeKept(Buffer.from(tail));
          gz.push(new Uint8Array(0), true);
          await flush();
        });
      });
      if (moved === 0) {
        await fs.unlink(store.path(keptTemp)).catch(() => undefined);
        await fs.unlink(store.path(archiveTemp!)).catch(() => undefined);
        return { result: null };
      }
      // The archive first: a crash after this leaves copies (dropped by readers), never a loss.
      await store.publish(archiveTemp!, archiveName);
      report.archived += moved;
      report.archives.push(archiveName);
      return { replaces: new Map([[log, keptTemp]]), events, result: null };
    });
  }
  return moved;
}
