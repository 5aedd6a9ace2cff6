// @ts-check
/**
 * Where a benchmark run's store is: a directory (the file store) or a PostgreSQL URL (its own
 * schema, `?schema=`). Every helper that used to take a store directory takes either.
 */

/** @param {string} location */
export const isStoreUrl = (location) => /^postgres(ql)?:\/\//.test(location);

/**
 * The environment naming the store for a CLI process.
 * @param {string} location
 * @returns {Record<string, string>}
 */
export const storeEnvOf = (location) => (isStoreUrl(location) ? { COORDINATION_URL: location } : { COORDINATION_DIR: location });

/**
 * What Coordinator.open needs to open the store.
 * @param {string} location
 * @returns {{ dir: string } | { storeUrl: string }}
 */
export const openOptionsOf = (location) => (isStoreUrl(location) ? { storeUrl: location } : { dir: location });

/**
 * The URL without its schema, and the schema (for the invariant checker's own SQL).
 * @param {string} url
 */
export function splitSchema(url) {
  const m = /[?&]schema=([^&]+)/.exec(url);
  return { url: url.replace(/([?&])schema=[^&]*&?/, '$1').replace(/[?&]$/, ''), schema: m ? decodeURIComponent(m[1] ?? 'swarmfile') : 'swarmfile' };
}
