/** A bench part's context for the tests of test/bench/: the quick profile with sizes overridden, metrics and checks recorded. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { runTimed } from '../../bench/lib/runTimed.mjs';
import { PROFILES } from '../../bench/lib/sizes.mjs';
import { swarmfileTarget } from '../../bench/lib/targets.mjs';
import { tempDir } from './index.js';

export type Metrics = Record<string, { unit: string; better: string; samples: number[] }>;
export type Check = { label: string; ok: boolean; problems: string[] };

/** A bench context over the quick profile with `sizes` overriding it, recording metrics and checks. */
export function tinyContext(label: string, sizes: Record<string, unknown>) {
  const root = tempDir(label);
  let n = 0;
  const metrics: Metrics = {};
  const checks: Check[] = [];
  const target = swarmfileTarget();
  const ctx = {
    sizes: { ...PROFILES.quick, ...sizes },
    opts: {},
    progress: { start() {}, tick() {}, note() {}, end() {} },
    tmp: (name: string) => {
      const d = join(root, `${String(++n).padStart(3, '0')}-${name}`);
      spawnSync('mkdir', ['-p', d]);
      return d;
    },
    target,
    run: (argv: string[], env?: Record<string, string>) => runTimed(argv, { env: env ?? process.env }),
    cli: (args: string[], env: Record<string, string> = {}) => runTimed(target.argv(args), { env: { ...process.env, ...env } }),
    metric: (name: string, unit: string, better: string, samples: number[]) => void (metrics[name] = { unit, better, samples }),
    checkRun: (name: string, run: { invariants: { ok: boolean; problems: string[] } }) => void checks.push({ label: name, ok: run.invariants.ok, problems: run.invariants.problems }),
  };
  return { ctx, metrics, checks };
}
