/**
 * Issue 11, the statistics of the paired comparison (`bench/run.mjs --compare`) on synthetic paired
 * samples with known distributions: the Wilcoxon signed-rank test against textbook values, a 10%
 * slowdown under heavy shared noise found, two identical builds under the same noise left alone,
 * and the per-operation SWARMFILE_INJECT hook's parsing and override. No timing of swarmfile.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pairedChange, rng, trimmedMean, wilcoxonSignedRank } from '../../bench/lib/stats.mjs';
import { compareMetrics, comparePaired } from '../../bench/lib/compareMetrics.mjs';
import { ROOT } from '../support/index.js';

/** Standard normal by Box-Muller from the seeded generator. */
function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * `n` rounds of an operation of 2 ms whose every round is slowed by a load factor shared by both
 * builds (log-normal, sd 0.8: the machine anywhere from half to 5x slower), plus each call's own
 * noise (log sd 0.1: what 300 library rounds of --compare showed on a busy 2-core machine, a 95%
 * interval of about +-1.5%); the current build is `slowdown` slower.
 */
function pairedRounds(seed: number, n: number, slowdown: number) {
  const rand = rng(seed);
  const baseline: number[] = [];
  const current: number[] = [];
  for (let i = 0; i < n; i++) {
    const load = Math.exp(0.8 * normal(rand));
    baseline.push(2 * load * Math.exp(0.1 * normal(rand)));
    current.push(2 * slowdown * load * Math.exp(0.1 * normal(rand)));
  }
  return { unit: 'ms', better: 'lower', baseline, current };
}

describe('paired statistics (issue 11)', () => {
  it('Wilcoxon signed-rank matches known values and drops zero differences', () => {
    // Ten differences, all positive: W+ = 55, z = (55 - 27.5 - 0.5) / sqrt(96.25) = 2.752, p = 0.0059.
    const r = wilcoxonSignedRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.w).toBe(55);
    expect(r.p).toBeCloseTo(0.0059, 3);
    // Symmetric differences: no evidence of a shift.
    expect(wilcoxonSignedRank([-3, -2, -1, 1, 2, 3, 0, 0]).p).toBeGreaterThan(0.99);
    expect(wilcoxonSignedRank([1, 2, 3]).p).toBe(1); // too few to say anything
    expect(wilcoxonSignedRank([0, 0, 0, 0, 0, 0, 0, 0]).n).toBe(0);
  });

  it('the trimmed mean ignores a stalled round the mean would follow', () => {
    expect(trimmedMean([1, 1, 1, 1, 1, 1, 1, 1, 1, 1000])).toBe(1);
    expect(trimmedMean([1, 2, 3, 4, 5])).toBe(3);
    expect(trimmedMean([])).toBeNull();
  });

  it('finds a 10% slowdown under shared noise in at least 19 of 20 synthetic runs, and an A/A in at most 1', () => {
    let found = 0;
    let falseAlarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const slow = comparePaired({ 'compare.library.claim.ms': pairedRounds(seed, 200, 1.1) });
      if (slow.regressions.includes('compare.library.claim.ms')) found++;
      const same = comparePaired({ 'compare.library.claim.ms': pairedRounds(1000 + seed, 200, 1) });
      if (!same.ok) falseAlarms++;
    }
    expect(found).toBeGreaterThanOrEqual(19);
    expect(falseAlarms).toBeLessThanOrEqual(1);
  });

  it('unpaired, the same samples hide the slowdown: the shared load swamps it', () => {
    const { baseline, current } = pairedRounds(7, 200, 1.1);
    const unpaired = compareMetrics({ m: { unit: 'ms', samples: baseline } }, { m: { unit: 'ms', samples: current } }, { threshold: 5 });
    expect(unpaired.ok).toBe(true);
    const paired = pairedChange(baseline.map((b, i) => current[i]! / b));
    expect(paired.change_pct!).toBeGreaterThan(5);
    expect(paired.change_pct!).toBeLessThan(15);
    expect(paired.ci95_change_pct![0]).toBeGreaterThan(0);
    expect(paired.p_value).toBeLessThan(0.01);
  });

  it('a paired comparison refuses unpaired input and names too-small samples', () => {
    expect(() => comparePaired({ m: { unit: 'ms', baseline: [1, 2, 3], current: [1, 2] } })).toThrow(/not paired/);
    expect(comparePaired({ m: { unit: 'ms', baseline: [1, 2, 3], current: [2, 4, 6] } }).rows[0]!.verdict).toBe('too few samples');
  });

  it('shares (error rate, lock wait share) are compared by mean in percentage points', () => {
    const base = { 'span.claim.error_rate': { unit: 'share', samples: Array(40).fill(0) } };
    const cur = { 'span.claim.error_rate': { unit: 'share', samples: [...Array(20).fill(0), ...Array(20).fill(1)] } };
    const v = compareMetrics(base, cur);
    expect(v.rows[0]!.change_pct).toBe(50);
    expect(v.regressions).toEqual(['span.claim.error_rate']);
  });
});

describe('SWARMFILE_INJECT: a delay per operation (issue 11)', async () => {
  const { parseInjectSpec } = await import(pathToFileURL(join(ROOT, 'dist/coordinator/injectDelay.js')).href);
  const { resolveConfig } = await import(pathToFileURL(join(ROOT, 'dist/config.js')).href);

  it('parses op=<n>ms and op=<n>%, and refuses anything else', () => {
    expect(parseInjectSpec('claim=25ms, claim-next=10%,*=1ms')).toEqual({ claim: { ms: 25 }, claim_next: { pct: 10 }, '*': { ms: 1 } });
    expect(parseInjectSpec('')).toEqual({});
    for (const bad of ['claim', 'claim=25', 'claim=-1ms', 'claim=25s', 'claim=99999ms']) expect(() => parseInjectSpec(bad), bad).toThrow(/SWARMFILE_INJECT/);
  });

  it('resolveConfig takes it from the environment, and a library override wins', () => {
    expect(resolveConfig({}, { SWARMFILE_INJECT: 'claim=25ms' }).inject).toEqual({ claim: { ms: 25 } });
    expect(resolveConfig({ inject: { complete: { pct: 10 } } }, { SWARMFILE_INJECT: 'claim=25ms' }).inject).toEqual({ complete: { pct: 10 } });
    expect(() => resolveConfig({}, { SWARMFILE_INJECT: 'claim=soon' })).toThrow(/SWARMFILE_INJECT/);
  });
});
