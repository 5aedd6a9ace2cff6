import { parseDuration } from '../model/parseDuration.js';
import type { OpContext } from './OpContext.js';

export interface CleanupInput {
  /** Finished longer ago than this: seconds, or a duration such as 7d, 12h. Default 7d. */
  olderThan?: string | number;
  /** Report what would be archived, change nothing. */
  dryRun?: boolean;
}

export interface CleanupReport {
  archived: number;
  /** The first archive written, relative to the store directory (null when nothing was archived). */
  archive: string | null;
  /** Every archive written: one per shard's log that had items to move. */
  archives: string[];
  cutoff: string;
  dry_run: boolean;
}

/**
 * SwarmSH-style TTL cleanup: finished (completed or cancelled) items older than the cutoff move
 * into compressed archives (`list --archived`). Items that a waiting item depends on stay, so
 * dependency checks never need the archives. The file store streams this in bounded memory
 * (src/store/file/archiveFinished.ts).
 */
export async function cleanupFinished(ctx: OpContext, input: CleanupInput = {}): Promise<CleanupReport> {
  const seconds = parseDuration('older_than', input.olderThan ?? '7d');
  const cutoffMs = (await ctx.store.now()) - seconds * 1000;
  const outcome = await ctx.store.archiveFinished(cutoffMs, !!input.dryRun);
  return { archived: outcome.archived, archive: outcome.archives[0] ?? null, archives: outcome.archives, cutoff: new Date(cutoffMs).toISOString(), dry_run: !!input.dryRun };
}
