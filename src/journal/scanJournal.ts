import { journalPaths } from './journalPaths.js';
import { listJournalFiles } from './listJournalFiles.js';
import { readJournalFile, type FileContent } from './readJournalFile.js';

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
