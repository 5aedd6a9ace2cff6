/**
 * Every row: a clear message on stderr, the documented exit status, and not one byte of the store
 * changed.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { acquireLocks, newLockStats, releaseLocks } from '../../src/lock/acquireLocks.js';
import { BACKENDS, envFor, freshStore, PG_URL, schemaOf, storeDigest, type TestStore } from '../support/backends.js';
import { runSync, snapshot, storeEnv, tempDir } from '../support/index.js';

describe.each(BACKENDS)('bad input is refused and nothing is written (%s store)', (backend) => {
  let store: TestStore;
  let dir: string;
  let env: Record<string, string>;
  let active: string;
  let done: string;
  let queued: string;
  beforeAll(() => {
    store = freshStore(backend);
    dir = store.dir;
    env = envFor(store, { AGENT_ID: 'agent_1' });
    active = runSync(['-q', 'claim', 'feature', 'active one'], env).stdout.trim();
    done = runSync(['-q', 'claim', 'feature', 'done one'], env).stdout.trim();
    expect(runSync(['complete', done], env).code).toBe(0);
    queued = runSync(['-q', 'add', 'feature', 'queued one', 'low'], env).stdout.trim();
    expect(queued).toMatch(/^work_\d+$/);
  });

  const rows: Array<[string, () => string[], number, RegExp]> = [
    ['empty work type', () => ['claim', '', 'desc'], 2, /work_type: must not be empty/],
    ['work type with spaces', () => ['claim', 'bad type', 'desc'], 2, /work_type/],
    ['empty description', () => ['claim', 'feature', ''], 2, /description: must not be empty/],
    ['priority outside the set', () => ['claim', 'feature', 'd', 'urgent'], 2, /priority: must be one of critical, high, medium, low/],
    ['description over the size limit', () => ['claim', 'feature', 'x'.repeat(8193)], 2, /8192 bytes/],
    ['control character in description', () => ['claim', 'feature', 'bell\u0007'], 2, /control character/],
    ['escape sequence in description', () => ['claim', 'feature', '\u001b[2J'], 2, /control character/],
    ['invalid team', () => ['claim', 'feature', 'd', 'high', 'team;rm'], 2, /team/],
    ['missing arguments', () => ['claim'], 2, /missing required argument/],
    ['unknown command', () => ['frobnicate'], 2, /unknown command/],
    ['percent not a number', () => ['progress', active, 'fifty'], 2, /percent: must be a whole number/],
    ['percent above 100', () => ['progress', active, '101'], 2, /percent/],
    ['percent fractional', () => ['progress', active, '12.5'], 2, /percent/],
    ['negative percent', () => ['progress', active, '-1'], 2, /percent: must be a whole number from 0 to 100 \(got "-1"\)/],
    ['progress to a reserved status', () => ['progress', active, '10', 'completed'], 2, /set by its own command/],
    ['unknown id on progress', () => ['progress', 'work_1', '10'], 3, /no work item work_1/],
    ['unknown id on complete', () => ['complete', 'work_1'], 3, /no work item work_1/],
    ['unknown id on show', () => ['show', 'work_1'], 3, /no work item/],
    ['malformed id', () => ['show', '../../etc/passwd'], 2, /not a valid work id/],
    ['completing twice', () => ['complete', done], 4, /already completed/],
    ['progressing a completed item', () => ['progress', done, '10'], 4, /already completed/],
    ['velocity points not a number', () => ['complete', active, 'success', 'lots'], 2, /velocity_points/],
    ['velocity points too large', () => ['complete', active, 'success', '5000'], 2, /velocity_points/],
    ['no id and no CURRENT_WORK_ITEM', () => ['complete'], 2, /CURRENT_WORK_ITEM/],
    ['register with a bad agent id', () => ['register', 'agent 1'], 2, /agent_id/],
    ['register with zero capacity', () => ['register', 'agent_9', 'team', '0'], 2, /capacity/],
    ['generate-id of an unknown kind', () => ['generate-id', 'thing'], 2, /agent or work/],
    // The work queue (issue 3).
    ['add with a bad priority', () => ['add', 'feature', 'd', 'asap'], 2, /priority/],
    ['add depending on an unknown item', () => ['add', 'feature', 'd', '--depends-on', 'work_1'], 3, /depends_on: no work item work_1/],
    ['add depending on a malformed id', () => ['add', 'feature', 'd', '--depends-on', 'a b'], 2, /not a valid work id/],
    ['claim-next waiting for a word', () => ['claim-next', '--wait', 'soon'], 2, /wait: must be a whole number/],
    ['claim-next with a zero lease', () => ['claim-next', '--lease', '0'], 2, /lease/],
    ['claim-next for a malformed type', () => ['claim-next', '--type', 'bad type'], 2, /type/],
    ['ready with a zero limit', () => ['ready', '--limit', '0'], 2, /limit/],
    ['complete with a fencing token never issued', () => ['complete', active, 'success', '5', '--token', '99'], 8, /fencing token 99 was never issued/],
    ['progress with a malformed token', () => ['progress', active, '10', '--token', 'abc'], 2, /token/],
    ['heartbeat of an unknown item', () => ['heartbeat', 'work_1'], 3, /no work item/],
    ['release of an unclaimed item', () => ['release', queued], 4, /waiting in the backlog, unclaimed/],
    ['requeue of an item that is not dead', () => ['requeue', active], 4, /not dead/],
    ['fail of a completed item', () => ['fail', done, 'oops'], 4, /already completed/],
    ['cancel of an unknown item', () => ['cancel', 'work_1'], 3, /no work item/],
    ['cancel of a finished item', () => ['cancel', done], 4, /already completed/],
    ['cleanup with a malformed age', () => ['cleanup', '--older-than', 'soon'], 2, /older_than: must be a duration/],
  ];

  /** The documented code for each exit status (README, Exit statuses): what scripts branch on. */
  const CODES: Record<number, RegExp> = { 2: /\[(USAGE|INVALID_INPUT)\]/, 3: /\[NOT_FOUND\]/, 4: /\[WRONG_STATE\]/, 8: /\[NOT_OWNER\]/ };

  it.each(rows)('%s', async (_name, args, status, message) => {
    const before = await storeDigest(store);
    const r = runSync(args(), env);
    expect(r.code).toBe(status);
    expect(r.stderr).toMatch(new RegExp(`^coordination_helper: error ${CODES[status]!.source}: `, 'm'));
    // The message names what was wrong (the field, the id, the state), not just that something was.
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(await storeDigest(store)).toBe(before);
  });

  it('a bad environment setting is invalid input', async () => {
    const before = await storeDigest(store);
    const r = runSync(['claim', 'feature', 'd'], { ...env, FLOCK_TIMEOUT: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FLOCK_TIMEOUT/);
    expect(await storeDigest(store)).toBe(before);
  });

  it.runIf(backend === 'postgres')('an unreachable or malformed COORDINATION_URL: exit 11 or 2, and the password is never printed', () => {
    const down = runSync(['claim', 'feature', 'd'], { ...env, COORDINATION_URL: 'postgres://agent:s3cr3t-pw@127.0.0.1:1/nodb', FLOCK_TIMEOUT: '1' });
    expect(down.code).toBe(11);
    expect(down.stderr).toMatch(/\[STORE_UNAVAILABLE\].*cannot be reached/);
    expect(down.stderr).toContain('postgres://agent:***@127.0.0.1:1/nodb');
    const noDb = runSync(['list'], { ...env, COORDINATION_URL: PG_URL!.replace(/\/swarmfile_test\b/, '/no_such_database'), FLOCK_TIMEOUT: '1' });
    expect(noDb.code).toBe(11);
    expect(noDb.stderr).toMatch(/\[STORE_UNAVAILABLE\].*no_such_database/);
    const bad = runSync(['list'], { ...env, COORDINATION_URL: 'mysql://agent:s3cr3t-pw@host/db' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/\[INVALID_INPUT\].*postgres:\/\//);
    for (const r of [down, bad]) expect(r.stdout + r.stderr).not.toContain('s3cr3t-pw');
  });

  it.runIf(backend === 'postgres')('a schema written by a newer swarmfile is refused (STORE_VERSION, exit 10), and left as it is', async () => {
    const newer = freshStore('postgres');
    const e = envFor(newer);
    expect(runSync(['-q', 'add', 'feature', 'x'], e).code).toBe(0);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`UPDATE "${schemaOf(newer)}".swarmfile_meta SET value = '99' WHERE key = 'schema_version'`);
    await client.end();
    const before = await storeDigest(newer);
    for (const args of [['list'], ['claim', 'feature', 'y']]) {
      const r = runSync(args, e);
      expect(r.code).toBe(10);
      expect(r.stderr).toMatch(/\[STORE_VERSION\].*version 99/);
    }
    expect(await storeDigest(newer)).toBe(before);
  });

  it.runIf(backend === 'file')('a lock that stays held gives LOCK_TIMEOUT (5) and writes nothing', async () => {
    // This (live) test process holds every shard's lock through the real lock algorithm.
    const cfg = { timeoutMs: 5000, retries: 1000, backoffMs: 1, backoffMaxMs: 20, staleMs: 60_000, hungAction: 'wait' as const };
    const before = snapshot(dir);
    const locks = await acquireLocks(Array.from({ length: 16 }, (_, i) => join(dir, `work_claims.${String(i).padStart(3, '0')}.json`)), cfg, newLockStats());
    const r = runSync(['claim', 'feature', 'blocked'], { ...env, FLOCK_TIMEOUT: '0.3', LOCK_STALE_MS: '60000' });
    await releaseLocks(locks);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('[LOCK_TIMEOUT]');
    expect(r.stderr).toMatch(/held by pid \d+ on .*, alive/);
    expect(snapshot(dir)).toBe(before);
  });

  it.runIf(backend === 'file')('a corrupt shard is reported (STORE_CORRUPT, 9) and left untouched; other shards keep working', () => {
    const d2 = join(tempDir(), 'store');
    const e2 = storeEnv(d2);
    const id = runSync(['-q', 'claim', 'feature', 'x'], e2).stdout.trim();
    const shard = readdirSync(d2).find((f) => /^work_claims\.\d+\.json$/.test(f))!;
    writeFileSync(join(d2, shard), '[{"work_item_id": "work_1", truncated');
    const before = snapshot(d2);
    const r = runSync(['progress', id, '10'], e2);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/STORE_CORRUPT.*not valid JSON/);
    expect(snapshot(d2)).toBe(before);
    // Claims keep landing in healthy shards (retry until one routes elsewhere).
    let ok = 0;
    for (let i = 0; i < 6 && ok === 0; i++) if (runSync(['-q', 'claim', 'feature', 'y'], e2).code === 0) ok++;
    expect(ok).toBe(1);
  });
});
