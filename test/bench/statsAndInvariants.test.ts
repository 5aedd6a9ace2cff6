/**
 * Pure pieces of the benchmark suite: percentiles and the Mann-Whitney U test against known
 * values, and the invariant checker catching a lost completion, a duplicate and a corrupt file
 * in a real store written by the library workload.
 */
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mannWhitneyU, percentile, bootstrapChangeCI } from '../../bench/lib/stats.mjs';
import { runLibraryAgents } from '../../bench/lib/runAgents.mjs';
import { checkSwarmfileStore } from '../../bench/lib/invariants.mjs';
import { compareMetrics } from '../../bench/lib/compareMetrics.mjs';
import { tempDir } from '../support/index.js';

describe('bench statistics', () => {
  it('percentiles interpolate linearly', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNull();
  });

  it('Mann-Whitney U: separated samples are significant, identical ones are not', () => {
    const a = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const b = a.map((v) => v + 20);
    expect(mannWhitneyU(a, b).p).toBeLessThan(0.001);
    expect(mannWhitneyU(a, a).p).toBeGreaterThan(0.9);
    expect(mannWhitneyU([1, 2], [3, 4]).p).toBe(1); // too few samples to say anything
    const ci = bootstrapChangeCI(a, b)!;
    expect(ci[0]).toBeGreaterThan(50);
  });

  it('a metric regresses only when significant and past the threshold; higher-is-better is respected', () => {
    const slow = { samples: [100, 101, 102, 103, 104, 105, 106], unit: 'ms', better: 'lower' };
    const fast = { samples: [50, 51, 52, 53, 54, 55, 56], unit: 'ms', better: 'lower' };
    expect(compareMetrics({ m: fast }, { m: slow }).regressions).toEqual(['m']);
    expect(compareMetrics({ m: slow }, { m: fast }).improvements).toEqual(['m']);
    expect(compareMetrics({ m: { ...fast, better: 'higher' } }, { m: { ...slow, better: 'higher' } }).improvements).toEqual(['m']);
    expect(compareMetrics({ m: fast }, { m: slow }, { threshold: 200 }).ok).toBe(true);
  });
});

describe('invariant check', () => {
  it('passes a clean run and catches a lost completion, a duplicate and invalid JSON', async () => {
    const dir = tempDir('invariants');
    const run = await runLibraryAgents({ dir, agents: 4, cycles: 5 });
    expect(run.invariants.ok).toBe(true);
    expect(run.invariants.reported.completed).toBe(20);
    const ledger = { claimed: new Set<string>(), progressed: new Set<string>(), completed: new Set<string>() };
    const logs = readdirSync(dir).filter((n) => n.startsWith('work_completed.'));
    for (const log of logs) for (const line of readFileSync(join(dir, log), 'utf8').split('\n').filter(Boolean)) {
      const id = JSON.parse(line).work_item_id as string;
      ledger.claimed.add(id);
      ledger.completed.add(id);
    }
    // Drop one completion from a log holding at least two (the second is duplicated below).
    const log = join(dir, logs.find((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean).length >= 2)!);
    const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    writeFileSync(log, lines.slice(1).map((l) => `${l}\n`).join(''));
    let inv = await checkSwarmfileStore(dir, ledger);
    expect(inv.ok).toBe(false);
    expect(inv.lost.completions).toBe(1);
    // Duplicate another completion.
    appendFileSync(log, `${lines[1]}\n`);
    inv = await checkSwarmfileStore(dir, ledger);
    expect(inv.duplicated.count).toBe(1);
    // Corrupt a shard file.
    writeFileSync(join(dir, 'work_claims.000.json'), '[{"work_item_id": ');
    inv = await checkSwarmfileStore(dir, ledger);
    expect(inv.problems.join('\n')).toMatch(/work_claims\.000\.json: not valid JSON/);
  });
});
