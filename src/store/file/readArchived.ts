import { join } from 'node:path';
import { SwarmError, ioError } from '../../errors.js';
import * as fs from '../../fsAsync.js';
import { loadPako } from '../../journal/readJournalFile.js';
import type { WorkItem } from '../../model/types.js';
import type { Store } from './Store.js';
import { ARCHIVE_DIR } from './storeFiles.js';

/**
 * Every archived item, oldest archive first. A crash between writing an archive and trimming the
 * logs can leave an item both archived and live (or in two archives); each id is returned once,
 * and callers that also read the live logs drop archived copies of live ids.
 */
export async function readArchived(store: Store): Promise<WorkItem[]> {
  const dir = store.path(ARCHIVE_DIR);
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.jsonl.gz')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(err, 'listing', dir);
  }
  if (names.length === 0) return [];
  const { ungzip } = await loadPako();
  const seen = new Set<string>();
  const out: WorkItem[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let text: string;
    try {
      text = Buffer.from(ungzip(await fs.readFileBytes(path))).toString('utf8');
    } catch (err) {
      throw ioError(err, 'reading archive', path);
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let item: WorkItem;
      try {
        item = JSON.parse(line) as WorkItem;
      } catch {
        throw new SwarmError('STORE_CORRUPT', `archive ${path} holds a line that is not JSON; it was left as it is`, { path });
      }
      if (seen.has(item.work_item_id)) continue;
      seen.add(item.work_item_id);
      out.push(item);
    }
  }
  return out;
}
