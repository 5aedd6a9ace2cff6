import { basename } from 'node:path';
import type { QueueWatch } from '../WorkStore.js';
import { parseSegment, RESERVATIONS_FILE } from './storeFiles.js';

/**
 * WorkStore.watchQueue on files: chokidar (inotify on Linux) on the store directory, reporting
 * changes of backlog segments, and of the reservation table's root (every change of the table
 * rewrites it: an item held back by reserved paths may have become claimable). Resolves once the watcher is ready, so a change made after it
 * resolves is never missed. chokidar is loaded here, on first use: it costs start-up time.
 */
export async function watchBacklog(dir: string, changed: () => void): Promise<QueueWatch> {
  const { watch } = await import('chokidar');
  const watcher = watch(dir, {
    depth: 0,
    ignoreInitial: true,
    ignored: (path: string) => path !== dir && parseSegment(basename(path)) === null && basename(path) !== RESERVATIONS_FILE,
  });
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
