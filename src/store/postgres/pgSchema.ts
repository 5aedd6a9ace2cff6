/**
 * The PostgreSQL store's tables, created and migrated by the program. The schema's version is kept
 * in `<schema>.swarmfile_meta`; a database written by a newer swarmfile (a version this one does not
 * know) is refused with STORE_VERSION. Migration runs under a transaction-scoped advisory lock, so
 * many processes starting at once migrate once.
 *
 * One row per work item, wherever it is (`place`); its full record is `item` (jsonb), and the
 * columns beside it are copies of the fields the queue's statements filter and sort on.
 *
 * Since version 2, `reservations` indexes the active claims' file-path reservations (issue 9,
 * pgReservations.ts): one row per reserved path, found by `keys` (pathPatterns.patternKeys; NULL
 * for a broad pattern, which may overlap anything).
 *
 * Since version 3, `events` is the change log (issue 10, pgEvents.ts), and swarmfile_meta's
 * `events_complete` says whether it holds the store's whole history: 'true' when the log was made
 * with the store (or with a store that held nothing yet), 'false' when a version-2 store with
 * contents was migrated (its log starts at the migration).
 */
import type { PoolClient } from 'pg';
import { SwarmError } from '../../errors.js';
import { EVENTS_COMPLETE_KEY } from './pgEvents.js';

export const SCHEMA_VERSION = 3;

/** Quotes an identifier already checked by parseStoreUrl (lower case letters, digits, _). */
export const ident = (name: string) => `"${name}"`;

const STEPS: ReadonlyArray<(s: string) => string> = [
  // 1: the first schema
  (s) => `
    CREATE TABLE ${s}.work_items (
      work_item_id text PRIMARY KEY,
      place text NOT NULL CHECK (place IN ('active', 'backlog', 'waiting', 'dead', 'finished', 'archived')),
      rank smallint NOT NULL,
      work_type text NOT NULL,
      team text NOT NULL,
      agent_id text,
      status text NOT NULL,
      retry_at timestamptz,
      lease_expires_at timestamptz,
      completed_at timestamptz,
      depends_on text[] NOT NULL DEFAULT '{}',
      item jsonb NOT NULL
    );
    CREATE INDEX work_items_queue ON ${s}.work_items (rank, length(work_item_id), work_item_id) WHERE place = 'backlog';
    CREATE INDEX work_items_place ON ${s}.work_items (place);
    CREATE INDEX work_items_agent ON ${s}.work_items (agent_id) WHERE place = 'active';
    CREATE INDEX work_items_waiting ON ${s}.work_items USING gin (depends_on) WHERE place = 'waiting';
    CREATE TABLE ${s}.agents (agent_id text PRIMARY KEY, ord bigserial NOT NULL, record jsonb NOT NULL);
    CREATE TABLE ${s}.agent_totals (agent_id text PRIMARY KEY, tasks_completed bigint NOT NULL, velocity_points bigint NOT NULL, last_completed_at text);
    CREATE TABLE ${s}.team_totals (team text PRIMARY KEY, tasks_completed bigint NOT NULL, velocity_points bigint NOT NULL);
  `,
  // 2: file-path reservations (issue 9). A version-1 store has no reservations yet: nothing to fill in.
  (s) => `
    CREATE TABLE ${s}.reservations (
      work_item_id text NOT NULL,
      fencing_token integer NOT NULL,
      path text NOT NULL,
      agent_id text NOT NULL,
      shared boolean NOT NULL,
      reason text,
      reserved_at text NOT NULL,
      keys text[],
      PRIMARY KEY (work_item_id, fencing_token, path)
    );
    CREATE INDEX reservations_keys ON ${s}.reservations USING gin (keys);
    CREATE INDEX reservations_broad ON ${s}.reservations (work_item_id) WHERE keys IS NULL;
  `,
  // 3: the change log (issue 10). Read by id only (the primary key); events_complete is set by migrate().
  (s) => `
    CREATE TABLE ${s}.events (
      id bigserial PRIMARY KEY,
      ts text NOT NULL,
      work_item_id text NOT NULL,
      event jsonb NOT NULL
    );
  `,
];

/**
 * Brings the schema to SCHEMA_VERSION (in the caller's transaction); returns whether it created it.
 * With `create` false, a schema that was never created is NOT_FOUND instead. `target` (tests only)
 * stops at an older version, to make a store as an older swarmfile left it.
 */
export async function migrate(client: PoolClient, schema: string, create: boolean, where: string, target = SCHEMA_VERSION): Promise<boolean> {
  const s = ident(schema);
  if (!create) {
    const found = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${s}.swarmfile_meta`]);
    if (!found.rows[0]?.t) {
      throw new SwarmError('NOT_FOUND', `no swarmfile store in schema ${schema} at ${where} (COORDINATION_URL or --store); a command that writes (claim, add, register, import-swarmsh) creates it`, { schema });
    }
  }
  // Any constant works as long as every swarmfile uses it: 1400332658 is "Swar".
  await client.query('SELECT pg_advisory_xact_lock(1400332658, hashtext($1))', [schema]);
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.swarmfile_meta (key text PRIMARY KEY, value text NOT NULL)`);
  const row = await client.query<{ value: string }>(`SELECT value FROM ${s}.swarmfile_meta WHERE key = 'schema_version'`);
  const version = row.rows.length ? Number(row.rows[0]!.value) : 0;
  if (version > SCHEMA_VERSION) {
    throw new SwarmError('STORE_VERSION', `the database schema ${schema} has version ${version}; this swarmfile knows up to ${SCHEMA_VERSION}. Upgrade swarmfile.`, { schema, version });
  }
  for (let v = version; v < target; v++) {
    await client.query(STEPS[v]!(s));
    if (v === 2) {
      // The log starts now: it holds the whole history only if there is no history yet (no item, no counter).
      const empty = await client.query<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM ${s}.work_items) AND NOT EXISTS (SELECT 1 FROM ${s}.agent_totals) AS empty`);
      await client.query(`INSERT INTO ${s}.swarmfile_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [EVENTS_COMPLETE_KEY, String(empty.rows[0]!.empty)]);
    }
  }
  if (version < target) {
    await client.query(`INSERT INTO ${s}.swarmfile_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [String(target)]);
  }
  return version === 0;
}
