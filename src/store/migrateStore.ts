/**
 * `migrate --from <dir> --to <url>`: copies a file store into a PostgreSQL store with everything
 * kept as it is (ids, places, fencing tokens, attempts, events, the registry, the counters). Ids
 * already in the database are skipped, so it is safe to run again (after a failure, or to bring
 * over what was added since). The file store is read as it is at that moment: stop its agents
 * first, or items that move meanwhile may be copied from where they were.
 */
import type { Config } from '../config.js';
import { newLockStats } from '../lock/acquireLocks.js';
import { openFileBackend } from './file/FileWorkStore.js';
import { openPgBackend } from './postgres/openPgBackend.js';
import type { Found, Place } from './WorkStore.js';

export interface MigrateReport {
  from: string;
  to: string;
  /** Items copied, by the place they are in. */
  copied: Partial<Record<Place, number>>;
  /** Ids already in the database (an earlier run), left as they are there. */
  skipped: number;
  agents: number;
  /** Agent and team counters copied (those not in the database yet). */
  counters: number;
}

export async function migrateStore(config: Readonly<Config>, fromDir: string, toUrl: string): Promise<MigrateReport> {
  const source = await openFileBackend({ ...config, dir: fromDir }, false);
  const target = await openPgBackend(config, toUrl, true);
  try {
    const stats = newLockStats();
    const from = source.session(stats);
    await from.settle();
    const found: Found[] = [];
    const live = new Set<string>();
    for (const place of ['backlog', 'waiting', 'dead', 'active', 'finished'] as const) {
      for (const item of await from.list([place])) {
        found.push({ item, place });
        live.add(item.work_item_id);
      }
    }
    // An archive written just before a crash may still hold copies of live items: the live one counts.
    for (const item of await from.list(['archived'])) if (!live.has(item.work_item_id)) found.push({ item, place: 'archived' });
    const out = await target.session(stats).copyIn(found, await from.agents(), await from.totals('migrate'));
    return { from: source.location, to: target.location, ...out };
  } finally {
    await Promise.all([source.close(), target.close()]);
  }
}
