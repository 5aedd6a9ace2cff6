/**
 * Active shards split as the store grows (src/store/file/shardLayout.ts, splitShard.ts). A store
 * created with one shard (WORK_QUEUE_SHARDING=1) splits after its 65th active item, so a few
 * hundred items exercise many splits. What must hold: every item stays in exactly one place, in the
 * shard the layout routes it to (checked by a second implementation of the routing in
 * storeInvariants.mjs); a listing made while shards split neither loses nor doubles an item; a
 * process SIGKILLed at any step of a split leaves it whole or not at all.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, DIST, runSync, snapshot, storeEnv, tempDir, WORKERS } from '../support/index.js';
import { assertConsistent, readStore, routedFile } from '../support/storeInvariants.mjs';

const splitEnv = (dir: string, extra: Record<string, string> = {}) => storeEnv(dir, { WORK_QUEUE_SHARDING: '1', ...extra });
const format = (dir: string) => JSON.parse(readFileSync(join(dir, 'swarmfile.json'), 'utf8')) as { shards: number; active_shards?: number; version: number };

/** A SwarmSH work_claims.json with `n` active items, imported into a fresh one-shard store. */
function seeded(n: number) {
  const root = tempDir();
  const dir = join(root, 'store');
  const seed = join(root, 'seed');
  mkdirSync(seed);
  const ids = Array.from({ length: n }, (_, i) => `work_${1_000_000_000_000_000_000n + BigInt(i)}`);
  const items = ids.map((id, i) => ({ work_item_id: id, agent_id: 'agent_seed', work_type: 'feature', description: `seed ${i}`, priority: 'medium', team: 'seed', status: 'active', progress: 10, claimed_at: '2026-01-01T00:00:00Z' }));
  writeFileSync(join(seed, 'work_claims.json'), JSON.stringify(items));
  const env = splitEnv(dir, { AGENT_ID: 'agent_seed' });
  const imp = runSync(['import-swarmsh', seed], env);
  expect(imp.code, imp.stderr).toBe(0);
  return { root, dir, env, ids };
}

function spawnWorker(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(WORKERS, 'splitWorker.mjs'), DIST, ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('close', (code) => resolve(code));
  });
}

async function waitFor(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('active shards split as the store grows', () => {
  it('8 processes grow a one-shard store through many splits while another lists: nothing lost, doubled or misrouted', async () => {
    const { root, dir, ids } = seeded(60);
    const expectFile = join(root, 'expect.txt');
    writeFileSync(expectFile, ids.join('\n'));
    const stop = join(root, 'stop');
    const readerLog = join(root, 'reader.log');
    const reader = spawnWorker([readerLog, 'read', stop, expectFile], splitEnv(dir, { AGENT_ID: 'reader' }));
    const writers = Array.from({ length: 8 }, (_, i) => spawnWorker([join(root, `w${i}.log`), 'write', '45'], splitEnv(dir, { AGENT_ID: `writer_${i}` })));
    expect(await Promise.all(writers)).toEqual(Array(8).fill(0));
    writeFileSync(stop, '');
    expect(await reader).toBe(0);

    // Every listing made meanwhile saw each seeded item exactly once and no id twice.
    const seen = lines(readerLog).filter((l) => l.startsWith('seen '));
    expect(seen.length).toBeGreaterThan(3);
    for (const l of seen) expect(l.split(' ').slice(1, 3)).toEqual(['60', '0']);

    // Every acknowledged claim and completion is in the store, once, where the layout routes it.
    const store = readStore(dir); // throws on a duplicate or a misrouted item
    assertConsistent(store);
    const claimed = Array.from({ length: 8 }, (_, i) => lines(join(root, `w${i}.log`)));
    const completed = new Set(claimed.flat().filter((l) => l.startsWith('complete ')).map((l) => l.split(' ')[1]!));
    const claims = claimed.flat().filter((l) => l.startsWith('claim ')).map((l) => l.split(' ')[1]!);
    expect(claims).toHaveLength(8 * 45);
    for (const id of claims) {
      if (completed.has(id)) expect(store.completed.has(id)).toBe(true);
      else expect(store.active.get(id)?.progress).toBe(40);
    }
    for (const id of ids) expect(store.active.has(id)).toBe(true);
    expect(store.active.size).toBe(60 + claims.length - completed.size);
    const fmt = format(dir);
    expect(fmt.shards).toBe(1);
    expect(fmt.active_shards).toBeGreaterThanOrEqual(Math.ceil((60 + 8 * 45) / 64));
    expect(store.leftovers).toEqual([]);
    const fsck = runSync(['--json', 'fsck'], splitEnv(dir));
    expect(fsck.code, fsck.stdout).toBe(0);
  }, 240_000);

  it('a shard of large items splits by its bytes (items holding many reservations), one of a few huge items does not, and every id stays reachable', async () => {
    const { Coordinator } = (await import(join(DIST, 'coordinator/Coordinator.js'))) as typeof import('../../src/coordinator/Coordinator.js');
    const repo = tempDir('swarmfile-repo-');
    const scope = { root: repo, cwd: repo };
    const open = (dir: string) => Coordinator.open({ dir, agentId: 'agent_big', env: { WORK_QUEUE_SHARDING: '1', SWARMFILE_FSYNC: '0' } });
    // 40 claims reserving 30 paths each: about 3.5 KB per item, far past 64 KiB in one shard while
    // far below the 64 items that split a shard of ordinary items.
    const dir = join(tempDir(), 'store');
    const c = await open(dir);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const id = (await c.claim({ workType: 'feature', description: `large ${i}` })).work_item_id;
      await c.reserve(id, Array.from({ length: 30 }, (_, k) => `pkg${i}/src/module_with_a_long_name_${k}/file_${k}.ts`), scope);
      ids.push(id);
    }
    expect(format(dir).active_shards).toBeGreaterThan(1);
    const s = readStore(dir);
    assertConsistent(s);
    expect([...s.active.keys()].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await c.show(id)).reserved_paths).toHaveLength(30);
    await c.close();

    // 40 ordinary items stay in one shard; so do 8 huge ones (over 64 KiB together).
    for (const [n, size] of [[40, 100], [8, 8000]] as const) {
      const d = join(tempDir(), 'store');
      const o = await open(d);
      for (let i = 0; i < n; i++) await o.claim({ workType: 'feature', description: `${i} ${'x'.repeat(size)}` });
      expect(format(d).active_shards ?? 1, `${n} items of ${size}`).toBe(1);
      expect(readStore(d).active.size).toBe(n);
      await o.close();
    }
  });

  it('an import sizes the layout at once and every id stays reachable by show, progress and complete', () => {
    const { dir, env, ids } = seeded(300);
    const fmt = format(dir);
    expect(fmt.version).toBe(2);
    expect(fmt.active_shards).toBeGreaterThan(4);
    const store = readStore(dir);
    expect(store.active.size).toBe(300);
    for (const id of [ids[0]!, ids[150]!, ids[299]!]) {
      expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).work_item_id).toBe(id);
      expect(runSync(['progress', id, '70'], env).code).toBe(0);
      expect(runSync(['complete', id, 'success', '2'], env).code).toBe(0);
    }
    const after = readStore(dir);
    assertConsistent(after);
    expect(after.completed.size).toBe(3);
    expect(after.active.size).toBe(297);
    // Spans name the active shard the item routes to (the file its operation locked).
    const spans = runSync(['telemetry', 'query', '--json'], env).stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; attributes: Record<string, unknown> });
    const progressed = spans.filter((sp) => sp.name === 'swarmfile.progress');
    expect(progressed).toHaveLength(3);
    for (const sp of progressed) {
      const file = routedFile(String(sp.attributes['work.id']), 1, fmt.active_shards!);
      expect(sp.attributes['store.shard']).toBe(Number(/work_claims\.(\d+)\.json$/.exec(file)![1]));
    }
    expect(progressed.some((sp) => (sp.attributes['store.shard'] as number) > 0)).toBe(true);
  });

  it.each(['after-intent', 'after-op-0', 'after-op-1', 'after-op-2'])('a claim whose split is SIGKILLed at %s: the claim stands, the split is whole or undone', async (step) => {
    // 48 seeded items settle in one shard; 16 more claims fill it to 64; the next one splits it.
    const { dir, env } = seeded(48);
    expect(format(dir).active_shards).toBe(1);
    for (let i = 0; i < 16; i++) expect(runSync(['-q', 'claim', 'feature', `fill ${i}`], env).code).toBe(0);
    expect(format(dir).active_shards).toBe(1);
    // The claim's own commit (with its change-log events) passes these steps first: the split's are the second time.
    const killed = runSync(['claim', 'feature', 'the 65th'], { ...env, SWARMFILE_CRASH_AT: step === 'after-op-2' ? step : `${step}#2` });
    expect(killed.signal).toBe('SIGKILL');
    // fsck (which writes nothing) judges the store as the pending intent will leave it: no damage.
    const early = runSync(['--json', 'fsck'], env);
    expect(early.code, early.stdout).toBe(0);
    expect((JSON.parse(early.stdout) as { findings: Array<{ kind: string }> }).findings.map((f) => f.kind)).toContain('pending_intent');
    // The next command that reads settles what was left, and finds every item once.
    const listed = JSON.parse(runSync(['--json', 'list'], env).stdout) as Array<{ work_item_id: string; description: string }>;
    expect(listed).toHaveLength(65);
    expect(new Set(listed.map((w) => w.work_item_id)).size).toBe(65);
    expect(listed.some((w) => w.description === 'the 65th')).toBe(true);
    const store = readStore(dir); // duplicates and misrouting fail here
    expect(store.active.size).toBe(65);
    expect(store.leftovers.filter((f) => f.endsWith('.intent'))).toEqual([]);
    expect(format(dir).active_shards).toBe(2); // the split was committed before the kill
    // And it goes on: more claims split further, everything still routed.
    for (let i = 0; i < 3; i++) expect(runSync(['-q', 'claim', 'feature', `more ${i}`], env).code).toBe(0);
    const fmt = format(dir);
    for (const w of readStore(dir).active.values()) expect(routedFile(w.work_item_id, 1, fmt.active_shards!)).toBeTruthy();
    expect(runSync(['fsck'], env).code).toBe(0);
  }, 120_000);

  it.each(['after-op-0', 'after-op-1'])('a reader without locks, while a split is stopped at %s, sees every item exactly once', async (step) => {
    const { dir, env } = seeded(48);
    for (let i = 0; i < 16; i++) expect(runSync(['-q', 'claim', 'feature', `fill ${i}`], env).code).toBe(0);
    // The 65th claim commits, then its split stops (SIGSTOP) halfway through applying, holding its locks.
    const splitter = spawn(process.execPath, [CLI, 'claim', 'feature', 'the 65th'], { env: { ...env, SWARMFILE_STALL_AT: `${step}#2` }, stdio: 'ignore' });
    try {
      await waitFor(() => readFileSync(`/proc/${splitter.pid}/stat`, 'utf8').split(' ')[2] === 'T');
      // What every listing does after settling: read the shards without locks (store internals).
      const { resolveConfig } = await import(`${DIST}/config.js`);
      const { openFileBackend } = await import(`${DIST}/store/file/FileWorkStore.js`);
      const { newLockStats } = await import(`${DIST}/lock/acquireLocks.js`);
      const backend = await openFileBackend(resolveConfig({}, env), false);
      const items = (await backend.session(newLockStats()).list(['active'])) as Array<{ work_item_id: string }>;
      expect(items).toHaveLength(65);
      expect(new Set(items.map((w) => w.work_item_id)).size).toBe(65);
    } finally {
      splitter.kill('SIGKILL');
    }
    const listed = JSON.parse(runSync(['--json', 'list'], env).stdout) as unknown[];
    expect(listed).toHaveLength(65);
    readStore(dir);
  }, 60_000);

  it('a version 1 store (no active_shards) routes as before, and becomes version 2 at its first split', () => {
    const dir = join(tempDir(), 'store');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'swarmfile.json'), JSON.stringify({ format: 'swarmfile-store', version: 1, shards: 2, created_at: '2026-01-01T00:00:00Z' }));
    const env = splitEnv(dir, { AGENT_ID: 'agent_v1' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(runSync(['-q', 'claim', 'feature', `v1 ${i}`], env).stdout.trim());
    expect(format(dir)).toMatchObject({ version: 1, shards: 2 });
    for (const id of ids) expect(readFileSync(join(dir, routedFile(id, 2, 2)), 'utf8')).toContain(id);
    // 120 more items where version 1 put them (FNV-1a mod 2), then claims until a shard passes 64.
    const shardItems = new Map<string, unknown[]>();
    for (const id of ids) shardItems.set(routedFile(id, 2, 2), JSON.parse(readFileSync(join(dir, routedFile(id, 2, 2)), 'utf8')));
    for (let i = 0; i < 120; i++) {
      const id = `work_${2_000_000_000_000_000_000n + BigInt(i)}`;
      const file = routedFile(id, 2, 2);
      shardItems.set(file, [...(shardItems.get(file) ?? []), { work_item_id: id, agent_id: 'agent_v1', work_type: 'feature', description: `v1 seed ${i}`, priority: 'medium', team: 'v1', status: 'active', progress: 0, claimed_at: '2026-01-01T00:00:00Z' }]);
      ids.push(id);
    }
    for (const [file, items] of shardItems) writeFileSync(join(dir, file), JSON.stringify(items));
    for (let i = 0; format(dir).version === 1 && i < 40; i++) expect(runSync(['-q', 'claim', 'feature', `fill ${i}`], env).code).toBe(0);
    const fmt = format(dir);
    expect(fmt).toMatchObject({ version: 2, shards: 2, active_shards: 3 });
    const store = readStore(dir);
    for (const id of ids) expect(store.active.has(id)).toBe(true);
    expect(runSync(['fsck'], env).code).toBe(0);
  }, 120_000);

  it('symlinks planted at shards/ or under a half-made lock name are never followed by the sweeps', () => {
    const { root, dir, env } = seeded(10);
    const victim = join(root, 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'backup.20240101120000'), 'precious');
    writeFileSync(join(victim, 'db.0123456789ab'), 'precious');
    symlinkSync(victim, join(dir, 'shards'));
    symlinkSync(victim, join(dir, 'work_claims.000.json.lock.zzzz-0123abcd.new'));
    const before = snapshot(victim);
    expect(runSync(['--json', 'list'], env).code).toBe(0); // settle sweeps shards/
    expect(runSync(['-q', 'claim', 'feature', 'after'], env).code).toBe(0); // every transaction scans the top
    expect(snapshot(victim)).toBe(before);
  });

  it('a symlink in place of the shards directory is never followed: the operation fails, nothing is written', () => {
    const { root, dir, env, ids } = seeded(200);
    const moved = join(root, 'elsewhere');
    renameSync(join(dir, 'shards'), moved);
    symlinkSync(moved, join(dir, 'shards'));
    const fmt = format(dir);
    const inSub = ids.find((id) => routedFile(id, 1, fmt.active_shards!).startsWith('shards/'))!;
    const before = snapshot(moved);
    const r = runSync(['progress', inSub, '90'], env);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/STORE_CORRUPT.*symbolic link/);
    expect(snapshot(moved)).toBe(before);
    const fsck = JSON.parse(runSync(['--json', 'fsck'], env).stdout) as { findings: Array<{ file: string; kind: string }> };
    expect(fsck.findings).toContainEqual(expect.objectContaining({ file: 'shards', kind: 'symlink' }));
  });
});
