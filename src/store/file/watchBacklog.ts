import { basename } from 'node:path';
import type { QueueWatch } from '../WorkStore.js';
import { parseSegment, RESERVATIONS_FILE } from './storeFiles.js';
import { EVENT_DIR, parseEventFile } from './eventLanes.js';
import type { Store } from './Store.js';

/**
 * WorkStore.watchQueue on files: chokidar (inotify on Linux) on the store directory, reporting
 * changes of backlog segments, and of the reservation table's root (every change of the table
 * rewrites it: an item held back by reserved paths may have become claimable). Resolves once the watcher is ready, so a change made after it
 * resolves is never missed. chokidar is loaded here, on first use: it costs start-up time.
 */
export function watchBacklog(dir: string, changed: () => void): Promise<QueueWatch> {
  return watchDir(dir, (path) => path !== dir && parseSegment(basename(path)) === null && basename(path) !== RESERVATIONS_FILE, changed);
}

/** WorkStore.watchEvents on files: the change log's directory (made first, so it can be watched before the first event). */
export function watchEventDir(store: Store, changed: () => void): Promise<QueueWatch> {
  store.ensureSubdir(EVENT_DIR);
  const dir = store.path(EVENT_DIR);
  return watchDir(dir, (path) => path !== dir && parseEventFile(basename(path)) === null, changed);
}

async function watchDir(dir: string, ignored: (path: string) => boolean, changed: () => void): Promise<QueueWatch> {
  const { watch } = await import('chokidar');
  const watcher = watch(dir, { depth: 0, ignoreInitial: true, ignored });
  watcher.on('all', () => changed());
  try {
    await new Promise<void>((resolve, reject) => {
      watcher.once('ready', resolve);
      watcher.once('error', reject);
    });
  } catch (err) {
    await watcher.close();
    throw err;
  }
  return { close: () => watcher.close() };
}
