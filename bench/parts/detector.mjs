// @ts-check
/**
 * How often the interleaved comparison (`--compare`, bench/lib/compareBuilds.mjs) is right, measured
 * on this machine as it is now: N runs with a 10% slowdown injected into one library operation
 * (claim, SWARMFILE_INJECT claim=10%) in the current side, which should be reported in at least 9
 * of 10, and N A/A runs (both sides this build, nothing injected), which should raise no alarm in
 * at least 19 of 20. Library path only: one --compare of the CLI takes minutes.
 */
import { builtTree } from '../lib/buildRef.mjs';
import { measurePaired } from '../lib/compareBuilds.mjs';
import { comparePaired, PAIRED_DEFAULTS } from '../lib/compareMetrics.mjs';
import { parseInject } from '../lib/runCompare.mjs';
import { ROOT } from '../lib/targets.mjs';

const SLOWED = 'compare.library.claim.ms';

/** @type {import('../types.js').BenchPart} */
export default {
  name: 'detector',
  title: 'Regression detector: --compare hit rate (10% slowdown) and false-alarm rate (A/A)',
  async run(ctx) {
    const { detectorSlowRuns: slowN, detectorSameRuns: sameN, detectorLibRounds: rounds } = ctx.sizes;
    const build = builtTree(ROOT, 'this checkout', null);
    const inject = await parseInject('claim=10%');
    /** @type {{ kind: string, regressions: string[], claim_change_pct: number | null, claim_ci95_pct: [number, number] | null }[]} */
    const runs = [];
    // The two kinds alternate, so a change of the machine's load over the part hits both alike.
    const kinds = interleave(slowN, sameN);
    for (const kind of kinds) {
      const pairs = await measurePaired({ ...ctx, progress: { ...ctx.progress, start: () => {}, tick: () => {} } }, build, build, { via: ['library'], cliRounds: 0, libRounds: rounds, inject: kind === 'slow' ? inject : null });
      const v = comparePaired(pairs);
      const claim = v.rows.find((r) => r.metric === SLOWED);
      runs.push({ kind, regressions: v.regressions, claim_change_pct: claim?.change_pct ?? null, claim_ci95_pct: claim?.ci95_change_pct ?? null });
      ctx.progress.note(`detector: ${kind === 'slow' ? 'claim +10%' : 'A/A'} run ${runs.length}/${kinds.length}: ${v.regressions.join(', ') || 'no regression'}`);
    }
    const slow = runs.filter((r) => r.kind === 'slow');
    const same = runs.filter((r) => r.kind === 'same');
    const hits = slow.filter((r) => r.regressions.length === 1 && r.regressions[0] === SLOWED).length;
    const quiet = same.filter((r) => r.regressions.length === 0).length;
    const data = { rounds, threshold_pct: PAIRED_DEFAULTS.threshold, alpha: PAIRED_DEFAULTS.alpha, hit_rate: slowN ? hits / slowN : null, quiet_rate: sameN ? quiet / sameN : null, runs };
    ctx.metric('detector.hit_rate', 'share', 'higher', data.hit_rate === null ? [] : [data.hit_rate]);
    ctx.metric('detector.quiet_rate', 'share', 'higher', data.quiet_rate === null ? [] : [data.quiet_rate]);
    const rows = [
      ['claim slowed 10% (claim=10%)', slowN, `${hits}/${slowN} reported (claim only)`, '>= 9 of 10', slowN && hits / slowN >= 0.9 ? 'ok' : 'BELOW TARGET'],
      ['A/A (same build both sides)', sameN, `${quiet}/${sameN} without an alarm`, '>= 19 of 20', sameN && quiet / sameN >= 0.95 ? 'ok' : 'BELOW TARGET'],
    ];
    return { data, table: { headers: [`runs of ${rounds} library rounds`, 'runs', 'result', 'target', 'check'], rows } };
  },
};

/**
 * `a` 'slow' and `b` 'same' spread evenly through one list.
 * @param {number} a
 * @param {number} b
 */
function interleave(a, b) {
  /** @type {string[]} */
  const out = [];
  for (let i = 0, j = 0; i < a || j < b; ) {
    if (j >= b || (i < a && i / a <= j / b)) out.push('slow'), i++;
    else out.push('same'), j++;
  }
  return out;
}
