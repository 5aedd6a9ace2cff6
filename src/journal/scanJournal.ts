import { journalPaths } from './journalPaths.js';
import { listJournalFiles } from './listJournalFiles.js';
import { decodeFrames } from './frameRecord.js';
import { readJournalBytes, readJournalFile, type FileContent } from './readJournalFile.js';

/**
 * Reads every segment (compressed or not) and then the live WAL, in write order, handing each
 * decoded file to `visit`. A file removed between listing and reading (retention, budget) is
 * skipped; other read errors propagate.
 */
export async function scanJournal(dir: string, visit: (content: FileContent) => void | Promise<void>): Promise<void> {
  for (const file of listJournalFiles(journalPaths(dir))) {
    let content: FileContent;
    try {
      content = await readJournalFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    await visit(content);
  }
}

/**
 * Every record of the journal, one at a time, in write order: only one file's bytes and one
 * parsed record are held at once (the parsed records of a file are never collected), so a reader
 * such as `telemetry stats` needs memory for one segment, not for the journal. Returns the number
 * of torn or corrupt regions skipped.
 */
export async function forEachJournalRecord(dir: string, visit: (value: unknown) => void): Promise<number> {
  let bad = 0;
  for (const file of listJournalFiles(journalPaths(dir))) {
    let data: Buffer;
    try {
      data = (await readJournalBytes(file)).data;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code !== undefined && code !== 'Z_DATA_ERROR') throw err;
      bad++; // a damaged gzip: one bad region, as readJournalFile counts it
      continue;
    }
    const decoded = decodeFrames(data);
    bad += decoded.bad.length;
    for (const f of decoded.frames) {
      let value: unknown;
      try {
        value = JSON.parse(f.payload.toString('utf8'));
      } catch {
        bad++;
        continue;
      }
      visit(value);
    }
  }
  return bad;
}
