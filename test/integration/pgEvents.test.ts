/**
 * The PostgreSQL store's change log (issue 10, src/store/postgres/pgEvents.ts): every change of an
 * item has exactly one event in its own commit (revisions 1..n as the item carries them), refused
 * changes write none, events commit in id order (a follower polling with its cursor never skips
 * one while many writers commit at once), LISTEN wakes followers on commit, cursors are checked,
 * and a version-2 store migrates to 3 with a log that says it starts late.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Coordinator, type WorkItem } from '../../src/index.js';
import { resolveConfig } from '../../src/config.js';
import { newLockStats } from '../../src/lock/acquireLocks.js';
import type { LoggedEvent } from '../../src/model/changeEvent.js';
import { openPgBackend } from '../../src/store/postgres/openPgBackend.js';
import { migrate } from '../../src/store/postgres/pgSchema.js';
import { insertItem } from '../../src/store/postgres/pgRows.js';
import type { PgWorkStore } from '../../src/store/postgres/PgWorkStore.js';
import { freshStore, PG_URL, schemaOf, storeDigest, type TestStore } from '../support/backends.js';
import { tempDir } from '../support/index.js';

const ENV = { OTEL_SDK_DISABLED: 'true', REAP_INTERVAL_MS: '0' };
const codeOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: unknown) => String((e as { code?: string })?.code ?? e));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

async function open(store: TestStore, agentId: string, env: Record<string, string> = {}): Promise<Coordinator> {
  const c = await Coordinator.open({ ...store.open, agentId, env: { ...ENV, ...env } });
  closers.push(() => c.close());
  return c;
}

/** The store itself (readEvents, watchEvents, importBatch, copyIn), opened like a Coordinator opens it. */
async function rawStore(store: TestStore): Promise<PgWorkStore> {
  const backend = await openPgBackend(resolveConfig({}, {}), store.url!, true);
  closers.push(() => backend.close());
  return backend.session(newLockStats());
}

async function sql<T extends object>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<T & pg.QueryResultRow>(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function readAll(s: PgWorkStore): Promise<LoggedEvent[]> {
  return (await s.readEvents(null, 1_000_000)).events;
}

const of = (events: readonly LoggedEvent[], id: string) => events.filter((e) => e.work_item_id === id);
const idOf = (e: LoggedEvent) => BigInt(e.cursor.slice(1));

describe.runIf(!!PG_URL)('the change log on PostgreSQL', () => {
  it('logs each change through the library once, with revisions 1..n matching the item', async () => {
    const store = freshStore('postgres');
    const a = await open(store, 'agent_a', { MAX_RETRY_ATTEMPTS: '1' });
    const b = await open(store, 'agent_b', { MAX_RETRY_ATTEMPTS: '1' });
    const s = await rawStore(store);
    const root = tempDir('pgev-');
    const scope = { root, cwd: root };

    const one = await a.add({ workType: 'feature', description: 'one' });
    expect(one.revision).toBe(1);
    const claimed = await a.claimNext();
    expect(claimed).toMatchObject({ work_item_id: one.work_item_id, revision: 2 });
    await a.reserve(one.work_item_id, ['src/a.ts', 'docs/**'], scope);
    await a.unreserve(one.work_item_id, ['docs/**'], scope);
    // The agent's heartbeat (renewClaims) renews leases: no change of state, no event, same revision.
    const beforeBeat = await storeDigest(store);
    const lease = (await a.show(one.work_item_id)).lease_expires_at;
    await sleep(20);
    await a.heartbeatAgent();
    const beat = await a.show(one.work_item_id);
    expect(beat.revision).toBe(4);
    expect(beat.lease_expires_at).not.toBe(lease);
    expect((await readAll(s)).length).toBe(4);
    expect(await storeDigest(store)).not.toBe(beforeBeat);
    await a.progress(one.work_item_id, 40);
    const done = await a.complete(one.work_item_id, { velocityPoints: 3 });
    expect(done.revision).toBe(6);

    const two = await b.add({ workType: 'bug', description: 'two' });
    await b.claimNext();
    await b.fail(two.work_item_id, { reason: 'boom' }); // one attempt: dead
    const direct = await b.claim({ workType: 'chore', description: 'direct' });
    expect(direct.revision).toBe(2);
    await b.release(direct.work_item_id);
    const waiting = await b.add({ workType: 'x', description: 'waits', dependsOn: [two.work_item_id] });

    const events = await readAll(s);
    expect(of(events, one.work_item_id).map((e) => e.type)).toEqual(['added', 'claimed', 'reserved', 'unreserved', 'progressed', 'completed']);
    expect(of(events, two.work_item_id).map((e) => e.type)).toEqual(['added', 'claimed', 'dead']);
    expect(of(events, direct.work_item_id).map((e) => [e.type, e.from, e.to])).toEqual([
      ['added', null, 'active'],
      ['claimed', null, 'active'],
      ['released', 'active', 'backlog'],
    ]);
    expect(of(events, waiting.work_item_id).map((e) => [e.type, e.to, e.status])).toEqual([['added', 'waiting', 'waiting']]);
    for (const id of [one.work_item_id, two.work_item_id, direct.work_item_id, waiting.work_item_id]) {
      const mine = of(events, id);
      expect(mine.map((e) => e.revision)).toEqual(mine.map((_, i) => i + 1));
      expect((await a.show(id)).revision, id).toBe(mine.length);
    }
    expect(of(events, one.work_item_id)[1]).toMatchObject({ from: 'backlog', to: 'active', agent_id: 'agent_a' });
    expect(of(events, one.work_item_id)[2]).toMatchObject({ type: 'reserved', paths: ['src/a.ts', 'docs/**'] });
    expect(of(events, one.work_item_id)[3]).toMatchObject({ type: 'unreserved', paths: ['src/a.ts'] });
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ credit: 'agent_a', velocity_points: 3, from: 'active', to: 'finished', status: 'completed' });
    // Field order as the file store writes it (jsonb keeps its own), then the cursor.
    expect(Object.keys(events[0]!).slice(0, 4)).toEqual(['ts', 'type', 'work_item_id', 'revision']);
    expect(Object.keys(events[0]!).pop()).toBe('cursor');
    // Ids strictly increasing; the columns copy the event.
    for (let i = 1; i < events.length; i++) expect(idOf(events[i]!) > idOf(events[i - 1]!)).toBe(true);
    const rows = await sql<{ ts: string; work_item_id: string; event: LoggedEvent }>(`SELECT ts, work_item_id, event FROM "${schemaOf(store)}".events ORDER BY id`);
    expect(rows.map((r) => [r.ts, r.work_item_id])).toEqual(events.map((e) => [e.ts, e.work_item_id]));

    // Archiving: one event per item, the record's revision kept; a dry run writes nothing.
    await sleep(20);
    const dry = await storeDigest(store);
    expect((await a.cleanup({ olderThan: 0, dryRun: true })).archived).toBe(1);
    expect(await storeDigest(store)).toBe(dry);
    expect((await a.cleanup({ olderThan: 0 })).archived).toBe(1);
    const archived = (await readAll(s)).filter((e) => e.type === 'archived');
    expect(archived).toEqual([expect.objectContaining({ work_item_id: one.work_item_id, revision: 6, from: 'finished', to: 'archived' })]);
    expect((await a.show(one.work_item_id)).revision).toBe(6);

    expect(await a.audit()).toMatchObject({ consistent: true, coverage: 'complete' });
  });

  it('imports with one event per item, crediting as the counters do; a dry run logs nothing', async () => {
    const store = freshStore('postgres');
    const a = await open(store, 'agent_a');
    const s = await rawStore(store);
    const base = { work_type: 'imported', description: 'x', priority: 'medium', team: 'default', progress: 0, created_at: '2026-01-01T00:00:00.000Z', claimed_at: '2026-01-01T00:00:00.000Z', last_update: '2026-01-01T00:00:00.000Z' };
    const active = { ...base, work_item_id: 'work_imp_active', agent_id: 'old_agent', status: 'active', fencing_token: 1 } as WorkItem;
    const fin = { ...base, work_item_id: 'work_imp_done', agent_id: null, status: 'completed', progress: 100, completed_at: '2026-01-02T00:00:00.000Z', velocity_points: 8 } as WorkItem;
    const batch = { active: [active], finished: [fin], agents: [] };
    const before = await storeDigest(store);
    await s.importBatch(batch, true);
    expect(await storeDigest(store)).toBe(before);
    expect(await s.importBatch(batch, false)).toMatchObject({ active: ['work_imp_active'], finished: 1 });
    const events = await readAll(s);
    expect(events.map((e) => [e.work_item_id, e.type, e.revision, e.from, e.to, e.credit])).toEqual([
      ['work_imp_active', 'imported', 1, null, 'active', undefined],
      ['work_imp_done', 'imported', 1, null, 'finished', 'unknown_agent'],
    ]);
    expect((await s.find('work_imp_done'))?.item.revision).toBe(1);
    // Again: all skipped, no event.
    expect(await s.importBatch(batch, false)).toMatchObject({ skipped: 2 });
    expect(await readAll(s)).toHaveLength(2);
    expect(await a.audit()).toMatchObject({ consistent: true, coverage: 'complete' });
  });

  it('refused changes write no event (decide throws, NOT_OWNER, a stale token, a reservation conflict)', async () => {
    const store = freshStore('postgres');
    const a = await open(store, 'agent_a');
    const b = await open(store, 'agent_b');
    const root = tempDir('pgev-');
    const scope = { root, cwd: root };
    const mine = await a.claim({ workType: 'x', description: 'mine' });
    const theirs = await b.claim({ workType: 'x', description: 'theirs' });
    await b.reserve(theirs.work_item_id, ['src/**'], scope);
    const before = await storeDigest(store);
    expect(await codeOf(b.complete(mine.work_item_id))).toBe('NOT_OWNER');
    expect(await codeOf(a.progress(mine.work_item_id, 400))).toBe('INVALID_INPUT');
    expect(await codeOf(a.complete(mine.work_item_id, { token: (mine.fencing_token ?? 0) + 5 }))).not.toBe('OK');
    expect(await codeOf(a.reserve(mine.work_item_id, ['src/x.ts'], scope))).toBe('CONFLICT');
    expect(await codeOf(a.release('work_does_not_exist'))).not.toBe('OK');
    expect(await storeDigest(store)).toBe(before);
    await a.complete(mine.work_item_id);
    expect(await storeDigest(store)).not.toBe(before);
  });

  it('commits events in id order: a follower polling with its cursor while 4 agents claim and complete at once skips nothing', async () => {
    const store = freshStore('postgres');
    const agents = await Promise.all([0, 1, 2, 3].map((i) => open(store, `agent_${i}`)));
    const s = await rawStore(store);
    const N = 120;
    const seen: LoggedEvent[] = [];
    let cursor: string | null = null;
    let running = true;
    let polls = 0;
    const follower = (async () => {
      while (running) {
        const page = await s.readEvents(cursor, 7);
        seen.push(...page.events);
        cursor = page.cursor;
        polls++;
      }
    })();
    // Adders and workers at once: adds, claims and completions commit concurrently.
    const adders = [0, 1].map(async (i) => {
      for (let n = 0; n < N / 2; n++) await agents[i]!.add({ workType: 'x', description: `item ${i}-${n}` });
    });
    let addsDone = false;
    void Promise.all(adders).then(() => (addsDone = true));
    const workers = agents.map(async (c) => {
      let idle = 0;
      while (idle < 3) {
        const got = await c.claimNext().then(
          (w) => w,
          (e: { code?: string }) => {
            if (e.code !== 'NOTHING_CLAIMABLE') throw e;
            return null;
          },
        );
        if (!got) {
          if (addsDone) idle++;
          await sleep(5);
          continue;
        }
        await c.progress(got.work_item_id, 50);
        await c.complete(got.work_item_id);
      }
    });
    await Promise.all([...adders, ...workers]);
    running = false;
    await follower;
    // Catch up: whatever committed after the follower's last read.
    for (;;) {
      const page = await s.readEvents(cursor, 50);
      seen.push(...page.events);
      cursor = page.cursor;
      if (page.events.length === 0) break;
    }
    const all = await readAll(s);
    expect(all).toHaveLength(N * 4); // added, claimed, progressed, completed
    expect(polls).toBeGreaterThan(10);
    expect(seen.map((e) => e.cursor)).toEqual(all.map((e) => e.cursor));
    for (let i = 1; i < seen.length; i++) expect(idOf(seen[i]!) > idOf(seen[i - 1]!)).toBe(true);
    for (const id of new Set(all.map((e) => e.work_item_id))) expect(of(all, id).map((e) => e.revision)).toEqual([1, 2, 3, 4]);
    expect(await agents[0]!.audit()).toMatchObject({ consistent: true, coverage: 'complete', events: N * 4 });
  });

  it('wakes watchEvents on commit, and the event is readable then', async () => {
    const store = freshStore('postgres');
    const a = await open(store, 'agent_a');
    const s = await rawStore(store);
    const start = (await s.readEvents(null, 100)).cursor;
    expect(start).toBe('p0');
    let woken = 0;
    const watch = await s.watchEvents(() => woken++);
    try {
      await sleep(100);
      expect(woken).toBe(0);
      const item = await a.add({ workType: 'x', description: 'wake up' });
      for (let t = 0; t < 100 && woken === 0; t++) await sleep(20);
      expect(woken).toBeGreaterThan(0);
      const page = await s.readEvents(start, 100);
      expect(page.events.map((e) => [e.type, e.work_item_id])).toEqual([['added', item.work_item_id]]);
      // The library's follower is woken the same way.
      const ctl = new AbortController();
      const got: LoggedEvent[] = [];
      const following = a.followEvents({ since: page.cursor }, (events) => void got.push(...events), ctl.signal);
      await sleep(200);
      await a.claimNext();
      for (let t = 0; t < 100 && got.length === 0; t++) await sleep(20);
      ctl.abort();
      await following;
      expect(got.map((e) => e.type)).toEqual(['claimed']);
    } finally {
      await watch.close();
    }
  });

  it('pages by cursor and refuses cursors it did not print', async () => {
    const store = freshStore('postgres');
    const a = await open(store, 'agent_a');
    const s = await rawStore(store);
    for (let i = 0; i < 3; i++) await a.add({ workType: 'x', description: `n${i}` });
    const all = await readAll(s);
    const first = await s.readEvents(null, 2);
    expect(first.events.map((e) => e.cursor)).toEqual(all.slice(0, 2).map((e) => e.cursor));
    expect(first).toMatchObject({ cursor: all[1]!.cursor, complete: true });
    expect(first.gap).toBeUndefined();
    const rest = await s.readEvents(first.cursor, 2);
    expect(rest.events.map((e) => e.cursor)).toEqual([all[2]!.cursor]);
    const end = await s.readEvents(rest.cursor, 2);
    expect(end).toMatchObject({ events: [], cursor: rest.cursor });
    await expect(s.readEvents('f0a1b2', 10)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/file store.*start with p/) });
    await expect(s.readEvents('p12x', 10)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(s.readEvents('p-1', 10)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(s.readEvents('p999999', 10)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('ahead') });
    await expect(a.events({ since: 'f00' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await a.events({ since: all[0]!.cursor })).events.map((e) => e.cursor)).toEqual(all.slice(1).map((e) => e.cursor));
  });

  it('migrates a version-2 store to 3: the log starts there and says so; an empty one is complete', async () => {
    const withItems = freshStore('postgres');
    const empty = freshStore('postgres');
    const old: WorkItem = { work_item_id: 'work_from_v2', agent_id: null, work_type: 'x', description: 'made by v2', priority: 'high', team: 'default', status: 'pending', progress: 0, created_at: '2026-01-01T00:00:00.000Z', last_update: '2026-01-01T00:00:00.000Z' } as WorkItem;
    for (const [store, items] of [[withItems, [old]], [empty, []]] as const) {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query('BEGIN');
        await migrate(client as unknown as pg.PoolClient, schemaOf(store), true, 'test', 2);
        for (const item of items) await insertItem(client as unknown as pg.PoolClient, `"${schemaOf(store)}".work_items`, item, 'backlog');
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
      const tables = await sql<{ t: string | null }>(`SELECT to_regclass('"${schemaOf(store)}".events')::text AS t`);
      expect(tables[0]!.t).toBeNull();
    }
    const a = await open(withItems, 'agent_a');
    const meta = await sql<{ key: string; value: string }>(`SELECT key, value FROM "${schemaOf(withItems)}".swarmfile_meta ORDER BY key`);
    expect(Object.fromEntries(meta.map((m) => [m.key, m.value]))).toMatchObject({ schema_version: '3', events_complete: 'false' });
    expect(await a.events()).toMatchObject({ events: [], complete: false });
    const claimed = await a.claimNext();
    expect(claimed).toMatchObject({ work_item_id: 'work_from_v2', revision: 1 });
    const events = (await a.events()).events;
    expect(events.map((e) => [e.type, e.revision, e.from, e.to])).toEqual([['claimed', 1, 'backlog', 'active']]);
    expect(await a.audit()).toMatchObject({ consistent: true, coverage: 'partial' });

    const e = await open(empty, 'agent_e');
    expect(await e.events()).toMatchObject({ events: [], complete: true });
    await e.add({ workType: 'x', description: 'first' });
    expect(await e.audit()).toMatchObject({ consistent: true, coverage: 'complete' });

    // `migrate`'s copy writes no event, and the log no longer covers the whole history.
    const fresh = freshStore('postgres');
    const f = await rawStore(fresh);
    expect((await f.readEvents(null, 10)).complete).toBe(true);
    await f.copyIn([{ item: { ...old, revision: 4 }, place: 'backlog' }], [], { agents: {}, teams: {} });
    expect(await f.readEvents(null, 10)).toMatchObject({ events: [], complete: false });
  });
});
