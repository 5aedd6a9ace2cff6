import { ioError } from '../errors.js';
import * as fs from '../fsAsync.js';
import { loadPako } from '../journal/readJournalFile.js';
import { parseDuration } from '../model/parseDuration.js';
import { FINISHED_STATUSES as FINISHED, type WorkItem } from '../model/types.js';
import { ARCHIVE_DIR, completedFile, WAITING_FILE } from '../store/storeFiles.js';
import type { OpContext } from './OpContext.js';
import { readWaiting } from './storeShapes.js';

export interface CleanupInput {
  /** Finished longer ago than this: seconds, or a duration such as 7d, 12h. Default 7d. */
  olderThan?: string | number;
  /** Report what would be archived, change nothing. */
  dryRun?: boolean;
}

export interface CleanupReport {
  archived: number;
  /** The archive written, relative to the store directory (null when nothing was archived). */
  archive: string | null;
  cutoff: string;
  dry_run: boolean;
}


/**
 * SwarmSH-style TTL cleanup: finished (completed or cancelled) items older than the cutoff move
 * from the finished logs into one gzip archive of JSON Lines (`list --archived`). Items that a
 * waiting item depends on stay, so dependency checks never need the archives. The archive is
 * written before the logs are trimmed; a crash in between leaves copies in both, which readers
 * drop (see readArchived). Unparsable log lines are kept as they are.
 */
export async function cleanupFinished(ctx: OpContext, input: CleanupInput = {}): Promise<CleanupReport> {
  const seconds = parseDuration('older_than', input.olderThan ?? '7d');
  const cutoffMs = Date.now() - seconds * 1000;
  const cutoff = new Date(cutoffMs).toISOString();
  const logs = Array.from({ length: ctx.store.shards }, (_, i) => completedFile(i));
  return ctx.store.transact([...logs, WAITING_FILE], ctx.lockStats, async (view) => {
    const needed = new Set((await readWaiting(view)).flatMap((w) => w.depends_on ?? []));
    const archived: string[] = [];
    const texts = new Map<string, string>();
    for (const log of logs) {
      const text = await ctx.store.readText(log);
      if (!text) continue;
      const kept: string[] = [];
      let moved = 0;
      const lines = text.split('\n');
      const tail = lines.pop()!; // '' after a final newline
      for (const line of lines) {
        let item: WorkItem | undefined;
        try {
          item = JSON.parse(line) as WorkItem;
        } catch {
          item = undefined;
        }
        const old = item && FINISHED.has(item.status) && item.completed_at && Date.parse(item.completed_at) < cutoffMs && !needed.has(item.work_item_id);
        if (old) {
          archived.push(line);
          moved++;
        } else kept.push(line);
      }
      if (moved) texts.set(log, kept.map((l) => `${l}\n`).join('') + tail);
    }
    const report: CleanupReport = { archived: archived.length, archive: null, cutoff, dry_run: !!input.dryRun };
    if (archived.length === 0 || input.dryRun) return { result: report };
    const name = `${ARCHIVE_DIR}/finished-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.jsonl.gz`;
    await fs.mkdir(ctx.store.path(ARCHIVE_DIR), { recursive: true }).catch((err) => {
      throw ioError(err, 'creating', ctx.store.path(ARCHIVE_DIR));
    });
    const { gzip } = await loadPako();
    await ctx.store.writeFile(name, Buffer.from(gzip(archived.map((l) => `${l}\n`).join(''))));
    report.archive = name;
    return { texts, result: report };
  });
}
