import type { Config } from '../config.js';
import { openFileBackend } from './file/FileWorkStore.js';
import { openPgBackend } from './postgres/openPgBackend.js';
import type { StoreBackend } from './WorkStore.js';

/**
 * Opens the store the configuration names: PostgreSQL at COORDINATION_URL when set, else the file
 * store at COORDINATION_DIR (either created unless `create` is false, when a missing one is NOT_FOUND).
 */
export function openStoreBackend(config: Readonly<Config>, create: boolean): Promise<StoreBackend> {
  return config.storeUrl ? openPgBackend(config, config.storeUrl, create) : openFileBackend(config, create);
}
