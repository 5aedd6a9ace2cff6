/**
 * Issue 15, item 9: one damaged file stops only what needs that file. fsck reports damage without
 * writing; repair quarantines (never deletes), salvages, and leaves a store fsck calls clean.
 */
import { readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSync, snapshot, storeEnv, tempDir } from '../support/index.js';
import { assertConsistent, readStore } from '../support/storeInvariants.mjs';

function fresh(extra: Record<string, string> = {}) {
  const dir = join(tempDir(), 'store');
  return { dir, env: storeEnv(dir, { WORK_QUEUE_SHARDING: '4', ...extra }) };
}
const shardOf = (dir: string, id: string) => readdirSync(dir).find((f) => /^work_claims\.\d{3}\.json$/.test(f) && readFileSync(join(dir, f), 'utf8').includes(id))!;

describe('damage is contained', () => {
  it('a damaged work_waiting.json does not turn a committed complete into a failure', () => {
    const { dir, env } = fresh();
    const id = runSync(['-q', 'claim', 'feature', 'x', 'high', 'red'], env).stdout.trim();
    writeFileSync(join(dir, 'work_waiting.json'), '[{"work_item_id": ');
    const r = runSync(['complete', id, 'success', '3'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: .*work_waiting\.json/);
    expect(JSON.parse(runSync(['--json', 'show', id], env).stdout).status).toBe('completed');
  });

  it('a damaged active shard does not stop reap from reclaiming the other shards’ claims', () => {
    const { dir, env } = fresh({ REAP_INTERVAL_MS: '3600000' });
    runSync(['reap'], env); // sets the throttle: no automatic reap while the claims are made
    const ids = Array.from({ length: 12 }, (_, i) => runSync(['-q', 'add', 'feature', `r${i}`], env).stdout.trim());
    // Claimed by an agent process that is gone (pid 999999): every claim is reclaimable.
    for (let i = 0; i < ids.length; i++) expect(runSync(['-q', 'claim-next'], { ...env, AGENT_ID: 'agent_gone', AGENT_PID: '999999' }).code).toBe(0);
    const damaged = shardOf(dir, ids[0]!);
    const inDamaged = ids.filter((id) => readFileSync(join(dir, damaged), 'utf8').includes(id));
    writeFileSync(join(dir, damaged), 'not json');
    const r = runSync(['--json', 'reap'], env);
    expect(r.code).toBe(0);
    const reaped = (JSON.parse(r.stdout).reaped as { work_item_id: string }[]).map((x) => x.work_item_id).sort();
    expect(reaped).toEqual(ids.filter((id) => !inDamaged.includes(id)).sort());
    expect(readFileSync(join(dir, damaged), 'utf8')).toBe('not json');
  });

  it('a damaged head backlog segment does not stop claim-next: the next segment’s items are handed out', () => {
    const { dir, env } = fresh();
    runSync(['-q', 'add', 'feature', 'urgent', 'critical'], env);
    const low = runSync(['-q', 'add', 'feature', 'later', 'low'], env).stdout.trim();
    const head = readdirSync(dir).find((f) => f.startsWith('backlog.0.'))!;
    writeFileSync(join(dir, head), '[{"broken"');
    const r = runSync(['-q', 'claim-next'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(low);
    expect(r.stderr).toContain(head);
    expect(readFileSync(join(dir, head), 'utf8')).toBe('[{"broken"');
    expect(runSync(['-q', 'claim-next'], env).code).toBe(7);
  });

  it('list and dashboard show what is readable and warn about the rest', () => {
    const { dir, env } = fresh();
    const ids = Array.from({ length: 8 }, (_, i) => runSync(['-q', 'claim', 'feature', `l${i}`], env).stdout.trim());
    const damaged = shardOf(dir, ids[0]!);
    writeFileSync(join(dir, damaged), '{');
    const l = runSync(['--json', 'list'], env);
    expect(l.code).toBe(0);
    expect(l.stderr).toContain(damaged);
    expect((JSON.parse(l.stdout) as unknown[]).length).toBeGreaterThan(0);
    expect(runSync(['dashboard'], env).code).toBe(0);
  });
});

describe('fsck and repair', () => {
  function damagedStore() {
    const { dir, env } = fresh();
    const ids = Array.from({ length: 10 }, (_, i) => runSync(['-q', 'claim', 'feature', `f${i}`, 'high', 'red'], env).stdout.trim());
    for (const id of ids.slice(0, 3)) expect(runSync(['complete', id, 'success', '2'], env).code).toBe(0);
    // The shard holding the most active items (two at least, with 7 active over 4 shards).
    const count = (f: string) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown[]).length;
    const damagedShard = readdirSync(dir)
      .filter((f) => /^work_claims\.\d{3}\.json$/.test(f))
      .sort((a, b) => count(b) - count(a))[0]!;
    const text = readFileSync(join(dir, damagedShard), 'utf8');
    const items = JSON.parse(text) as { work_item_id: string }[];
    // Garble the second item only: the others must be salvaged.
    const lines = text.split('\n');
    const second = lines.findIndex((l, i) => i > 1 && l === '  {');
    expect(second).toBeGreaterThan(0);
    lines[second + 1] = '    "work_item_id": ###';
    writeFileSync(join(dir, damagedShard), lines.join('\n'));
    const log = readdirSync(dir).find((f) => f.endsWith('.jsonl'))!;
    writeFileSync(join(dir, log), readFileSync(join(dir, log), 'utf8') + 'garbage line\n');
    expect(runSync(['register', 'agent_r'], env).code).toBe(0);
    const outside = join(dir, '..', 'outside.json');
    writeFileSync(outside, '[]');
    unlinkSync(join(dir, 'agent_status.json'));
    symlinkSync(outside, join(dir, 'agent_status.json'));
    return { dir, env, ids, damagedShard, items, second: second > 0 };
  }

  it('fsck reports each damaged file and exits 9, writing nothing', () => {
    const { dir, env, damagedShard } = damagedStore();
    const before = snapshot(dir);
    const r = runSync(['--json', 'fsck'], env);
    expect(r.code).toBe(9);
    const kinds = (JSON.parse(r.stdout).findings as { kind: string; file: string; severity: string }[]).filter((f) => f.severity === 'damage');
    expect(kinds.map((k) => k.kind).sort()).toEqual(['bad_line', 'invalid_json', 'symlink']);
    expect(kinds.find((k) => k.kind === 'invalid_json')!.file).toBe(damagedShard);
    expect(snapshot(dir)).toBe(before);
  });

  it('repair quarantines every damaged file, salvages what parses, and fsck is clean afterwards', () => {
    const { dir, env, ids, damagedShard, items, second } = damagedStore();
    const original = readFileSync(join(dir, damagedShard), 'utf8');
    expect(runSync(['repair', '--dry-run'], env).code).toBe(0);
    const r = runSync(['--json', 'repair'], env);
    expect(r.code).toBe(0);
    expect(runSync(['fsck'], env).code).toBe(0);
    const kept = readdirSync(dir).filter((f) => f.includes('.damaged-'));
    expect(kept.some((f) => f.startsWith(damagedShard))).toBe(true);
    expect(readFileSync(join(dir, kept.find((f) => f.startsWith(damagedShard))!), 'utf8')).toBe(original);
    expect(kept.some((f) => f.startsWith('work_completed.'))).toBe(true);
    expect(kept.some((f) => f.startsWith('agent_status.json'))).toBe(true);
    // Every item of the damaged shard but the garbled one is back, and can be completed.
    const salvaged = items.map((w) => w.work_item_id).filter((_, i) => !(second && i === 1));
    for (const id of salvaged) {
      const show = runSync(['--json', 'show', id], env);
      expect(show.code).toBe(0);
      if (JSON.parse(show.stdout).status === 'active') expect(runSync(['complete', id], env).code).toBe(0);
    }
    const store = readStore(dir);
    assertConsistent(store);
    for (const id of ids.slice(0, 3)) expect(store.completed.has(id)).toBe(true);
  });
});
