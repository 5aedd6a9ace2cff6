/**
 * The `claimnext` benchmark part (issue 3): a backlog written directly as segment files is
 * byte-for-byte what `add` writes (ids, times and descriptions aside) and reads back through
 * `ready` / `list`; the queue invariant check catches an item never completed, completed twice or
 * handed out twice; and a tiny run of the whole part measures all three things and passes its checks.
 */
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tinyContext } from '../support/benchContext.js';
import part from '../../bench/parts/claimNext.mjs';
import hotPath from '../../bench/parts/hotPath.mjs';
import { checkQueueStore } from '../../bench/lib/queueInvariants.mjs';
import { writeBacklogSegments } from '../../bench/lib/seedBacklog.mjs';
import { CLI, LIBRARY } from '../../bench/lib/targets.mjs';
import { tempDir } from '../support/index.js';

type Item = Record<string, unknown> & { work_item_id: string };
type Ledger = { claimed: Set<string>; progressed: Set<string>; completed: Set<string> };

function cli(dir: string, args: string[], agent = 'test_agent') {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, COORDINATION_DIR: dir, TELEMETRY_DIR: join(dir, '.telemetry'), AGENT_ID: agent } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const segments = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('backlog.')).sort();
const normalize = (text: string) =>
  text
    .replace(/"work_\d+"/g, '"ID"')
    .replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, '"TIME"')
    .replace(/"(seeded item|seeded) \d+"/g, '"DESC"');

async function openLibrary(dir: string, agentId: string) {
  const { Coordinator } = await import(LIBRARY);
  return Coordinator.open({ dir, agentId, fsync: false });
}

describe('claimnext part: seeding', () => {
  it('writes backlog segments exactly as add does, and they read back through ready and list', async () => {
    const files = tempDir('cn-files');
    const added = tempDir('cn-add');
    expect(cli(files, ['register', 'store_creator']).code).toBe(0); // creates the store (reads no longer do)
    const ids: string[] = await writeBacklogSegments(files, 300);
    const coord = await openLibrary(added, 'seeder');
    const addIds: string[] = [];
    for (let i = 0; i < 300; i++) addIds.push((await coord.add({ workType: 'benchmark', description: `seeded ${i}`, priority: 'medium', team: 'bench_team' })).work_item_id);
    await coord.close();

    expect(segments(files)).toEqual(['backlog.2.000000001.json', 'backlog.2.000000002.json']);
    expect(segments(files)).toEqual(segments(added));
    for (const seg of segments(files)) expect(normalize(readFileSync(join(files, seg), 'utf8'))).toBe(normalize(readFileSync(join(added, seg), 'utf8')));
    expect(new Set(ids).size).toBe(300);
    expect([...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : 1))).toEqual(ids); // creation order

    const ready = cli(files, ['ready', '--limit', '3', '--json']);
    expect(ready.code, ready.stderr).toBe(0);
    expect(JSON.parse(ready.stdout).map((w: Item) => w.work_item_id)).toEqual(ids.slice(0, 3));
    const list = cli(files, ['list', '--status', 'pending']);
    expect(list.stdout.split('\n').filter(Boolean).length).toBe(301); // header + items
    const next = cli(files, ['claim-next']);
    expect(next.stdout.trim()).toBe(ids[0]);
  });
});

describe('claimnext part: queue invariants', () => {
  it('catches an item never completed, one completed twice and one handed out twice', async () => {
    const dir = tempDir('cn-inv');
    expect(cli(dir, ['register', 'store_creator']).code).toBe(0); // creates the store
    const items: string[] = await writeBacklogSegments(dir, 4);
    const coord = await openLibrary(dir, 'worker');
    const ledger: Ledger = { claimed: new Set(), progressed: new Set(), completed: new Set() };
    const claims: string[] = [];
    const cycle = async () => {
      const w = await coord.claimNext();
      claims.push(w.work_item_id);
      ledger.claimed.add(w.work_item_id);
      await coord.complete(w.work_item_id);
      ledger.completed.add(w.work_item_id);
    };
    for (let i = 0; i < 3; i++) await cycle();

    const partial = await checkQueueStore(dir, { items, claims, ledger });
    expect(partial.ok).toBe(false);
    expect(partial.queue).toMatchObject({ items: 4, completed_once: 3, never_completed: 1, still_queued: 1 });

    await cycle();
    await coord.close();
    const clean = await checkQueueStore(dir, { items, claims, ledger });
    expect(clean.problems).toEqual([]);
    expect(clean.ok).toBe(true);

    const twice = await checkQueueStore(dir, { items, claims: [...claims, claims[0]], ledger });
    expect(twice.ok).toBe(false);
    expect(twice.queue?.claimed_twice).toBe(1);

    const log = readdirSync(dir).find((n) => n.startsWith('work_completed.') && readFileSync(join(dir, n), 'utf8').trim())!;
    appendFileSync(join(dir, log), readFileSync(join(dir, log), 'utf8').split('\n')[0] + '\n');
    const dup = await checkQueueStore(dir, { items, claims, ledger });
    expect(dup.ok).toBe(false);
    expect(dup.queue?.completed_twice).toBe(1);
  });
});


describe('claimnext part: a tiny run', () => {
  it('measures throughput, latency against queue length and wake-up, with every check passing', async () => {
    const { ctx, metrics, checks } = tinyContext('cn-part', {
      claimNextAgents: [1, 3],
      claimNextCliCycles: () => 2,
      claimNextLibCycles: () => 5,
      claimNextQueueSizes: [10, 600],
      claimNextLibRounds: 6,
      claimNextCliRounds: 2,
      claimNextWakeWaiters: [2],
      claimNextWakeReps: 3,
    });
    const out = await part.run(ctx);

    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.label)).toEqual([
      'claimnext-cli-1', 'claimnext-cli-3', 'claimnext-library-1', 'claimnext-library-3',
      'claimnext-queue-10', 'claimnext-queue-600', 'claimnext-wake-cli-k2', 'claimnext-wake-library-k2',
    ]);
    const runs = out.data.throughput as Array<{ mode: string; agents: number; items: number; ok_cycles: number; throughput_cycles_per_s: number; invariants: { queue: { completed_once: number } } }>;
    for (const r of runs) {
      expect(r.ok_cycles).toBe(r.items);
      expect(r.invariants.queue.completed_once).toBe(r.items);
      expect(r.throughput_cycles_per_s).toBeGreaterThan(0);
    }
    expect(runs.map((r) => r.items)).toEqual([2, 6, 5, 15]);
    for (const name of ['claimnext.throughput.cli.a3.cycles_per_s', 'claimnext.throughput.lib.a1.cycle_ms', 'claimnext.latency.lib.n600.ms', 'claimnext.latency.cli.ratio', 'claimnext.wake.cli.k2.ms', 'claimnext.wake.lib.k2.ms']) {
      expect(metrics[name]?.samples.length, name).toBeGreaterThan(0);
    }
    expect(metrics['claimnext.latency.lib.n10.ms'].samples).toHaveLength(6);
    expect(metrics['claimnext.wake.lib.k2.ms'].samples).toHaveLength(3);
    expect(out.data.latency.library.ratio.ratio_of_medians).toBeGreaterThan(0);
    for (const w of out.data.wake) expect(w.burst.claimed).toBe(2);
    expect(out.table?.rows).toHaveLength(4 + 4 + 2);
  }, 180_000);
});

describe('hotpath part: a tiny run', () => {
  it('runs both paths side by side at each agent count, checks each run exactly once and reports the ratio', async () => {
    const { ctx, metrics, checks } = tinyContext('hp-part', { hotPathAgents: [2, 4], hotPathCycles: () => 3, hotPathReps: 2 });
    const out = await hotPath.run(ctx);

    expect(checks.filter((c) => !c.ok)).toEqual([]);
    // Which path goes first alternates rep by rep.
    expect(checks.map((c) => c.label)).toEqual([
      'hotpath-claim-2-0', 'hotpath-next-2-0', 'hotpath-next-2-1', 'hotpath-claim-2-1',
      'hotpath-claim-4-0', 'hotpath-next-4-0', 'hotpath-next-4-1', 'hotpath-claim-4-1',
    ]);
    const { runs } = out.data as { runs: Array<{ agents: number; claim: { cycles: number }; claimnext: { cycles: number } }> };
    for (const r of runs) expect([r.claim.cycles, r.claimnext.cycles]).toEqual([r.agents * 3, r.agents * 3]);
    for (const a of [2, 4]) {
      expect(metrics[`hotpath.a${a}.ratio`]?.samples).toHaveLength(2);
      for (const v of metrics[`hotpath.a${a}.ratio`]!.samples) expect(v).toBeGreaterThan(0);
    }
    expect(out.table?.rows).toHaveLength(2);
  }, 180_000);
});
