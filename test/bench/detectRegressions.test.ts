/**
 * Issue 5: the regression detector flags a slowdown injected on purpose (SWARMFILE_INJECT_DELAY_MS)
 * and does not flag two runs of the same code.
 *
 * Noise on a shared 2-core machine: the compared metrics are the start-up part's paired ratios
 * (each CLI call divided by the `node -e 0` run right before it), which cancel machine-wide slowdowns
 * that would shift raw milliseconds between runs. The injected delay is twice what `node -e 0`
 * takes on this machine right now (at least 80 ms: on an idle machine, 80 ms on a ~75 ms call), so
 * it moves the ratios by about +200% however busy the machine is, far above the 25% threshold; 8
 * rounds per run give p ~ 1e-3 for that shift (all 8 above all 8), under alpha 0.01. Issue 11's
 * calibrated library metrics and --compare are tested in calibratedDetection.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, runBench, runNode, tempDir, ROOT } from '../support/index.js';
import { spawnSync } from 'node:child_process';

const ROUNDS = ['--only', 'startup', '--rounds', '8'];

/** Twice the median wall time of `node -e 0` here and now, at least 80 ms. */
function scaledDelayMs(): number {
  const times = Array.from({ length: 5 }, () => {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    return performance.now() - t0;
  }).sort((x, y) => x - y);
  return Math.max(80, Math.round(2 * times[2]!));
}
const DELAY_MS = scaledDelayMs();
const RATIOS = ['--metrics', '^startup\\.ratio\\.', '--threshold', '25', '--alpha', '0.01'];

describe('detect-regressions (issue 5)', () => {
  const dir = tempDir('detect');
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const slow = join(dir, 'slow.json');

  it('records the same code twice and once with an injected delay', () => {
    for (const [out, env] of [[a, {}], [b, {}], [slow, { SWARMFILE_INJECT_DELAY_MS: String(DELAY_MS) }]] as const) {
      const r = runBench([...ROUNDS, '--out', out], env);
      expect(r.code, r.stderr).toBe(0);
      const res = readJson(out);
      expect(res.metrics['startup.ratio.claim'].samples).toHaveLength(8);
      expect(res.machine.cores).toBeGreaterThan(0);
      expect(res.git.commit).toMatch(/^[0-9a-f]{40}$/);
    }
  }, 1_800_000);

  it('does not flag two runs of the same code', () => {
    const out = join(dir, 'same.json');
    const r = runNode('bench/detect-regressions.mjs', ['--baseline', a, '--current', b, ...RATIOS, '--out', out]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = readJson(out);
    expect(v.ok).toBe(true);
    expect(v.regressions).toEqual([]);
    expect(v.rows.map((x: { metric: string }) => x.metric)).toEqual(['startup.ratio.claim', 'startup.ratio.complete', 'startup.ratio.progress']);
  });

  it('flags the injected slowdown, through scripts/detect_regressions.sh too', () => {
    const out = join(dir, 'slow-verdict.json');
    const r = spawnSync('bash', [join(ROOT, 'scripts/detect_regressions.sh'), '--baseline', a, '--current', slow, ...RATIOS, '--out', out], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain('REGRESSION');
    const v = readJson(out);
    expect(v.ok).toBe(false);
    expect(v.regressions.sort()).toEqual(['startup.ratio.claim', 'startup.ratio.complete', 'startup.ratio.progress']);
    for (const row of v.rows) {
      expect(row.p_value).toBeLessThan(0.01);
      expect(row.worse_pct).toBeGreaterThan(25);
    }
  });

  it('the raw millisecond metrics also show the delay, on top of whatever node -e 0 did', () => {
    const out = join(dir, 'raw.json');
    const r = runNode('bench/detect-regressions.mjs', ['--baseline', a, '--current', slow, '--metrics', '^startup\\.(claim|progress|complete|node)\\.ms$', '--threshold', '25', '--out', out]);
    expect(r.code).toBe(1);
    const v = readJson(out);
    const rows = new Map<string, { median_baseline: number; median_current: number }>(v.rows.map((x: { metric: string }) => [x.metric, x]));
    const shift = (m: string) => rows.get(m)!.median_current - rows.get(m)!.median_baseline;
    for (const op of ['claim', 'progress', 'complete']) {
      expect(v.regressions).toContain(`startup.${op}.ms`);
      // Raw milliseconds also move with the machine's load between the two runs (CI once saw
      // node -e 0 itself flagged), so `node` may or may not be flagged. What the injected delay
      // must do is move each CLI call by well over half of it more than node -e 0 moved.
      expect(shift(`startup.${op}.ms`) - shift('startup.node.ms'), op).toBeGreaterThan(DELAY_MS / 2);
    }
  });

  it('compares two time windows of the telemetry journal the same way', () => {
    // The journal of real CLI calls: 8 cycles, then 8 more with an injected delay per operation
    // (DELAY_MS: scaled to this machine's speed now, so a loaded machine's noise cannot hide it).
    const store = join(dir, 'win-store');
    const tel = join(dir, 'win-telemetry');
    const env = { ...process.env, COORDINATION_DIR: store, TELEMETRY_DIR: tel, AGENT_ID: 'win_agent', OTEL_TRACES_SAMPLER: 'always_on' };
    const cli = (args: string[], extra: Record<string, string> = {}) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'dist/coordination_helper.cjs'), ...args], { env: { ...env, ...extra }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    const cycles = (extra: Record<string, string> = {}) => {
      for (let i = 0; i < 8; i++) {
        const id = cli(['claim', 'feature', `window ${i}`], extra);
        cli(['progress', id, '50'], extra);
        cli(['complete', id], extra);
      }
    };
    const t0 = new Date().toISOString();
    cycles();
    const t1 = new Date().toISOString();
    cycles({ SWARMFILE_INJECT_DELAY_MS: String(DELAY_MS) });
    const t2 = new Date().toISOString();
    const windows = (current: [string, string], out: string) =>
      runNode('bench/detect-regressions.mjs', ['--telemetry', '--telemetry-dir', tel, '--baseline-since', t0, '--baseline-until', t1, '--current-since', current[0], '--current-until', current[1], '--metrics', 'duration_ms$', '--threshold', '25', '--out', out]);

    const slowOut = join(dir, 'windows-slow.json');
    const slowRun = windows([t1, t2], slowOut);
    expect(slowRun.code, slowRun.stdout + slowRun.stderr).toBe(1);
    const v = readJson(slowOut);
    expect(v.regressions.sort()).toEqual(['span.claim.duration_ms', 'span.complete.duration_ms', 'span.progress.duration_ms']);
    for (const row of v.rows) expect([row.n_baseline, row.n_current], row.metric).toEqual([8, 8]);

    // The same window on both sides is, by construction, no regression.
    const sameOut = join(dir, 'windows-same.json');
    expect(windows([t0, t1], sameOut).code).toBe(0);
    expect(readJson(sameOut).regressions).toEqual([]);

    // Issue 16, defect 5: a bad time is said to be one, and an empty window is an error (exit 2)
    // naming the window and its span count, never "no significant regression".
    const badTime = runNode('bench/detect-regressions.mjs', ['--telemetry', '--telemetry-dir', tel, '--baseline-since', 'yesterday', '--current-since', t1]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toMatch(/yesterday/);
    expect(badTime.stderr).not.toMatch(/has no .*telemetry query/);
    const empty = runNode('bench/detect-regressions.mjs', ['--telemetry', '--telemetry-dir', tel, '--baseline-since', '2020-01-01T00:00:00Z', '--baseline-until', '2020-01-02T00:00:00Z', '--current-since', t1, '--current-until', t2]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/baseline window .* holds 0 span/);
    expect(empty.stdout).not.toMatch(/no significant regression/);
  });

  it('refuses bad usage with status 2', () => {
    expect(runNode('bench/detect-regressions.mjs', ['--baseline', a]).code).toBe(2);
    expect(runNode('bench/detect-regressions.mjs', ['--baseline', a, '--current', join(dir, 'nope.json')]).code).toBe(2);
  });
});
