/**
 * The stores the conformance tests run against: the file store always, PostgreSQL when
 * SWARMFILE_TEST_PG_URL names a server (`make test` starts one with scripts/ensure-postgres.sh and
 * sets it). Under CI (CI set) a missing URL fails the run instead of quietly testing one backend.
 * Each test store is a fresh directory, or a fresh schema of its own in that database (dropped
 * after the test file).
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { snapshot, storeEnv, tempDir } from './index.js';
import { readPgStore } from './pgStoreState.mjs';
import { readStore, type StoreState } from './storeInvariants.mjs';

export type Backend = 'file' | 'postgres';

export const PG_URL = process.env.SWARMFILE_TEST_PG_URL || undefined;
if (!PG_URL && process.env.CI) throw new Error('SWARMFILE_TEST_PG_URL is not set: `make test` sets it from scripts/ensure-postgres.sh');
export const BACKENDS: readonly Backend[] = PG_URL ? ['file', 'postgres'] : ['file'];

const schemas = new Set<string>();

export interface TestStore {
  backend: Backend;
  /** The file store's directory; for PostgreSQL, a directory for the test's own files (logs, telemetry). */
  dir: string;
  /** COORDINATION_URL of a PostgreSQL store. */
  url?: string;
  /** What Coordinator.open needs to open this store. */
  open: { dir: string } | { storeUrl: string };
}

/** A fresh, empty store of `backend`. */
export function freshStore(backend: Backend): TestStore {
  const dir = join(tempDir(), 'store');
  if (backend === 'file') return { backend, dir, open: { dir } };
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  schemas.add(schema);
  const url = `${PG_URL}${PG_URL!.includes('?') ? '&' : '?'}schema=${schema}`;
  return { backend, dir, url, open: { storeUrl: url } };
}

/** storeEnv for a test store: COORDINATION_DIR, or COORDINATION_URL for PostgreSQL. */
export function envFor(store: TestStore, extra: Record<string, string> = {}): Record<string, string> {
  return storeEnv(store.dir, { ...(store.url ? { COORDINATION_URL: store.url } : {}), ...extra });
}

/** Drops the schemas this test file made (test/support/setup.ts calls it). */
export async function dropSchemas(): Promise<void> {
  if (!PG_URL || schemas.size === 0 || process.env.SWARMFILE_KEEP_TEMP === '1') return;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    schemas.clear();
  } finally {
    await client.end();
  }
}

/**
 * A digest of everything a store holds, to prove "nothing was written": the file store's files
 * (snapshot), or every row of the PostgreSQL schema's tables (the reap throttle's stamp aside).
 */
export async function storeDigest(store: TestStore): Promise<string> {
  if (store.backend === 'file') return snapshot(store.dir);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const s = `"${schemaOf(store)}"`;
    const exists = await client.query(`SELECT to_regclass('${s}.work_items') AS t`);
    if (!exists.rows[0].t) return 'no store';
    const parts: string[] = [];
    for (const [table, key] of [['work_items', 'work_item_id'], ['agents', 'agent_id'], ['agent_totals', 'agent_id'], ['team_totals', 'team'], ['reservations', 'work_item_id, fencing_token, path']]) {
      const r = await client.query(`SELECT t::text AS row FROM ${s}.${table} t ORDER BY ${key}`);
      parts.push(table, ...r.rows.map((x: { row: string }) => x.row));
    }
    // The change log (issue 10): "nothing written" includes no event.
    if ((await client.query(`SELECT to_regclass('${s}.events') AS t`)).rows[0].t) {
      const r = await client.query(`SELECT e::text AS row FROM ${s}.events e ORDER BY id`);
      parts.push('events', ...r.rows.map((x: { row: string }) => x.row));
    }
    const meta = await client.query(`SELECT key, value FROM ${s}.swarmfile_meta WHERE key <> 'reap_stamp' ORDER BY key`);
    parts.push(...meta.rows.map((x: { key: string; value: string }) => `${x.key}=${x.value}`));
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  } finally {
    await client.end();
  }
}

/** The schema name of a PostgreSQL test store. */
export const schemaOf = (store: TestStore) => new URL(`http://x/?${store.url!.split('?')[1]}`).searchParams.get('schema')!;

/** The invariant checker's StoreState of a test store (storeInvariants.mjs; pgStoreState.mjs for PostgreSQL). */
export async function readTestStore(store: TestStore): Promise<StoreState> {
  if (store.backend === 'file') return readStore(store.dir);
  const s = await readPgStore(PG_URL!, schemaOf(store));
  if (s.problems.length) throw new Error(`${store.url}: ${s.problems[0]}`);
  return s;
}
