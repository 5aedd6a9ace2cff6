/**
 * Opens the PostgreSQL store named by COORDINATION_URL / --store: a small connection pool, the
 * schema created or migrated (pgSchema.ts), and LISTEN connections for `claim-next --wait`.
 * `pg` is loaded here, on first use, so file-store users never pay for it.
 */
import type { Config } from '../../config.js';
import type { LockStats } from '../../lock/acquireLocks.js';
import type { QueueWatch, StoreBackend } from '../WorkStore.js';
import type { Pool } from 'pg';
import { ident, migrate, SCHEMA_VERSION } from './pgSchema.js';
import { inTransaction, storeError } from './pgTransaction.js';
import { PgWorkStore, type PgContext } from './PgWorkStore.js';
import { parseStoreUrl } from './storeUrl.js';

/** Connections per process: a CLI call uses one; a library process with many agents shares these. */
const POOL_SIZE = 10;

export async function openPgBackend(config: Readonly<Config>, url: string, create: boolean): Promise<Omit<StoreBackend, 'session'> & { session(stats: LockStats): PgWorkStore }> {
  const parsed = parseStoreUrl(url);
  const { default: pg } = await import('pg');
  const timeoutMs = Math.max(1000, config.lock.timeoutMs);
  const clientConfig = { connectionString: parsed.connectionString, connectionTimeoutMillis: timeoutMs, application_name: 'swarmfile' };
  const pool = new pg.Pool({ ...clientConfig, max: POOL_SIZE, idleTimeoutMillis: 10_000 });
  // An idle connection the server drops (restart, pg_terminate_backend) is an 'error' on the pool: not fatal.
  pool.on('error', () => undefined);
  const listen = async (channel: string, changed: () => void): Promise<QueueWatch> => {
    const client = new pg.Client(clientConfig);
    client.on('error', () => changed()); // a dropped listener: wake the waiter, whose next look will say what is wrong
    try {
      await client.connect();
      client.on('notification', () => changed());
      await client.query(`LISTEN "${channel}"`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw storeError(err, parsed.display);
    }
    return { close: () => client.end().catch(() => undefined) };
  };
  const ctx: PgContext = { pool, schema: parsed.schema, display: parsed.display, lock: config.lock, listen, ...(config.clock === Date.now ? {} : { clock: config.clock }) };
  const stats: LockStats = { waitMs: 0, retries: 0, takeovers: 0, kills: 0 };
  let created = false;
  try {
    // Usually the schema is there and current: one read, no transaction, no lock.
    if ((await currentVersion(pool, parsed.schema)) !== SCHEMA_VERSION) {
      created = await inTransaction(pool, config.lock, stats, parsed.display, (c) => migrate(c, parsed.schema, create, parsed.display));
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return {
    kind: 'postgres',
    location: parsed.display,
    shards: 1,
    created,
    session: (lockStats) => new PgWorkStore(ctx, lockStats),
    close: async (options) => {
      const ended = pool.end().catch(() => undefined);
      // The goodbye (Terminate) is written at once; waiting for the server to close the socket
      // only delays a process that is about to exit anyway.
      if (!options?.exiting) await ended;
    },
  };
}

/** The schema's recorded version, or null when it cannot be read that simply (absent, or the server is away: the migration path says which). */
async function currentVersion(pool: Pool, schema: string): Promise<number | null> {
  try {
    const r = await pool.query<{ value: string }>(`SELECT value FROM ${ident(schema)}.swarmfile_meta WHERE key = 'schema_version'`);
    return r.rows.length ? Number(r.rows[0]!.value) : null;
  } catch {
    return null;
  }
}
