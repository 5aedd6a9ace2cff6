/**
 * The `reservations` benchmark part (issue 9): its store check catches a seeded reservation that
 * ended (its claim completed) and one missing from the index, and a tiny run of the whole part
 * seeds both stores as asked, measures every operation on both, passes its checks and reports the
 * ratios in its JSON. No timing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tinyContext } from '../support/benchContext.js';
import part, { reservationProblems, RESERVATIONS_TARGET } from '../../bench/parts/reservations.mjs';
import { BROAD_GLOBS, seedPaths } from '../../bench/lib/reservationTree.mjs';
import { LIBRARY, ROOT } from '../../bench/lib/targets.mjs';
import { requireBuild, tempDir } from '../support/index.js';

requireBuild();


describe('reservations part: the store check', () => {
  it('catches a seeded reservation that ended with its claim, and a live one missing from the index', async () => {
    const base = tempDir('res-check');
    const dir = join(base, 'store');
    const root = join(base, 'root');
    spawnSync('mkdir', ['-p', root]);
    const spec = { mode: 'seed', library: LIBRARY, root, stores: [{ dir, n: 40 }], pathsPerClaim: 10, agents: 2, holderPid: process.pid };
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/children/reservations.mjs'), JSON.stringify(spec)], { encoding: 'utf8', env: { ...process.env, TELEMETRY_DIR: join(base, 'telemetry') } });
    expect(r.status, r.stderr).toBe(0);
    const seeded = JSON.parse(r.stdout) as { stores: { claims: string[]; live: number }[] };
    const claims = seeded.stores[0]!.claims;
    expect(claims).toHaveLength(4);
    expect(seeded.stores[0]!.live).toBe(40);
    expect(seedPaths(0, 10)[9]).toBe(BROAD_GLOBS[0]); // claim 0 holds a broad glob
    expect(reservationProblems(dir, claims, 40, 10)).toMatchObject({ problems: [], live: 40, index_rows: 40, active: 4 });

    // A row gone from the index (the bucket of claim 1's paths).
    const buckets = join(dir, 'shards');
    const file = readdirSync(buckets).find((f) => /^reservations\.\d{3}\.json$/.test(f) && readFileSync(join(buckets, f), 'utf8').includes(claims[1]!))!;
    const rows = JSON.parse(readFileSync(join(buckets, file), 'utf8')) as { work_item_id: string }[];
    const at = rows.findIndex((row) => row.work_item_id === claims[1]);
    writeFileSync(join(buckets, file), JSON.stringify(rows.filter((_, i) => i !== at)));
    expect(reservationProblems(dir, claims, 40, 10).problems).toEqual(['1 live reservations have no row in the index']);

    // A claim that ended takes its reservations with it.
    const { Coordinator } = await import(LIBRARY);
    const coord = await Coordinator.open({ dir, agentId: 'seed_agent_0', env: {} });
    await coord.complete(claims[2]);
    await coord.close();
    const after = reservationProblems(dir, claims, 40, 10);
    expect(after.problems).toContain(`seeded claim ${claims[2]} is no longer active`);
    expect(after.problems).toContain('30 live reservations on the seeded items, expected 40');
  });
});

describe('reservations part: a tiny run', () => {
  it('seeds both stores, measures every operation on both, passes its checks and reports the ratios', async () => {
    const { ctx, metrics, checks } = tinyContext('res-part', { reservationCounts: [10, 200], reservationSeedAgents: 3, reservationLibRounds: 4, reservationCliRounds: 2 });
    const out = await part.run(ctx);

    expect(checks).toEqual([
      { label: 'reservations-10', ok: true, problems: [] },
      { label: 'reservations-200', ok: true, problems: [] },
    ]);
    const data = out.data;
    expect(data.sizes).toEqual([10, 200]);
    expect(data.target_ratio).toBe(RESERVATIONS_TARGET);
    expect(data.seeding.map((s) => [s.n, s.claims, s.live_reported, s.live, s.index_rows, s.problems])).toEqual([
      // Both stores hold the same claims (as many as the larger needs); only the reservations differ.
      [10, 20, 10, 10, 10, []],
      [200, 20, 200, 200, 200, []],
    ]);
    // After the run: the seeded claims alone are active, every seeded reservation still live.
    for (const n of [10, 200]) expect(data.checks[n]!.reservations).toMatchObject({ problems: [], live: n, active: 20 });

    const libOps = ['reserve', 'check_paths', 'check_paths_no_reap', 'unreserve', 'reap'];
    const cliOps = ['reserve', 'check_paths', 'unreserve'];
    for (const [mode, d, ops, rounds] of [['lib', data.library, libOps, 4], ['cli', data.cli, cliOps, 2]] as const) {
      for (const op of ops) {
        const want = op === 'reap' ? 1 : rounds; // reap: every 4th round
        for (const n of [10, 200]) {
          expect(d.samples_ms[n]![op], `${mode} ${op} ${n}`).toHaveLength(want);
          expect(d.summary[n]![op]!.n).toBe(want);
          expect(metrics[`reservations.${mode}.${op}.n${n}.ms`]?.samples).toHaveLength(want);
        }
        const ratio = d.ratio[op]!;
        expect(ratio).toMatchObject({ small: 10, large: 200 });
        expect(ratio.ratio_of_medians).toBeGreaterThan(0);
        expect(ratio.paired_ratios).toHaveLength(want);
        expect(metrics[`reservations.${mode}.${op}.ratio`]?.samples).toHaveLength(want);
      }
    }
    expect(out.table.rows).toHaveLength((libOps.length + cliOps.length) * 2);
    // The verdict is on the large store's row of the targeted operations.
    const verdicts = out.table.rows.filter((row) => row[2] === '200 live').map((row) => [row[0], row[1], String(row[7]).replace(/^(ok|OVER).*/, '$1')]);
    expect(verdicts.filter((v) => v[2] !== '(no target)').map((v) => v[1])).toEqual(['reserve', 'check-paths (5 files)', 'reserve', 'check-paths (5 files)']);
  }, 180_000);
});
