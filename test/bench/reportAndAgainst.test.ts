/**
 * Issue 5: one quick multi-part run, including `--against` the SwarmSH-like fixture
 * (test/fixtures/swarmsh_like.sh: unlocked read-modify-write with jq), then the HTML report
 * rendered in headless Debian chromium with its charts checked and a screenshot saved next to it.
 * Needs jq and chromium: `make test` installs both (scripts/ensure-jq.sh, scripts/ensure-chromium.sh).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderInChromium } from '../../bench/lib/renderInChromium.mjs';
import { type CliResult, ROOT, readJson, runBench, runNode, tempDir } from '../support/index.js';

const FIXTURE = join(ROOT, 'test/fixtures/swarmsh_like.sh');
const dir = tempDir('report');
const results = join(dir, 'current.json');
let run: CliResult;

beforeAll(() => {
  run = runBench([
    '--quick', '--only', 'startup,latency,throughput,sweep,shards,against',
    '--rounds', '8', '--throughput-agents', '1,4', '--sweep-agents', '1,2,4', '--shard-counts', '1,4', '--shard-agents', '6',
    '--against', FIXTURE, '--against-agents', '8', '--cycles', '3', '--out', results,
  ]);
}, 900_000);

describe('--against (issue 5)', () => {
  it('runs the same workload through the fixture and reports what its files lost', () => {
    expect(run.code, run.stderr).toBe(0); // the fixture losing data is a finding, not a suite failure
    const res = readJson(results);
    const runs = res.parts.against.data.runs as Array<{ tool: string; agents: number; cycles: number; invariants: { ok: boolean; lost: { total: number } } }>;
    const ours = runs.find((r) => r.tool === 'swarmfile')!;
    const theirs = runs.find((r) => r.tool === FIXTURE)!;
    expect(ours.cycles).toBe(24);
    expect(theirs.cycles).toBe(24);
    expect(ours.invariants.ok).toBe(true);
    expect(ours.invariants.lost.total).toBe(0);
    expect(theirs.invariants.ok).toBe(false);
    expect(theirs.invariants.lost.total).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/lost completions/);
  });

  it('every swarmfile multi-agent run passed the invariant check', () => {
    const res = readJson(results);
    expect(res.ok).toBe(true);
    const ours = res.invariants.filter((i: { tool: string }) => i.tool === 'swarmfile');
    expect(ours.length).toBeGreaterThanOrEqual(2 + 2 + 3 + 2 + 1);
    expect(ours.every((i: { ok: boolean }) => i.ok)).toBe(true);
  });
});

describe('per-operation latency (issue 5)', () => {
  it('times claim, progress, complete, add and claim-next through the CLI and the library, with p50/p95/p99', () => {
    const res = readJson(results);
    const lat = res.parts.latency.data;
    for (const op of ['claim', 'progress', 'complete', 'add', 'claim-next']) {
      expect(res.metrics[`latency.cli.${op}.ms`].samples, op).toHaveLength(8);
      expect(res.metrics[`latency.lib.${op}.ms`].samples, op).toHaveLength(lat.library.rounds);
      for (const via of [lat.cli.summary[op], lat.library.summary[op]]) {
        expect(via.p50, op).toBeGreaterThan(0);
        expect(via.p99, op).toBeGreaterThanOrEqual(via.p95);
        expect(via.p95, op).toBeGreaterThanOrEqual(via.p50);
      }
    }
  });
});

describe('HTML report in headless chromium (issue 5)', () => {
  it('renders every chart non-empty, marks regressions, and saves a screenshot', async () => {
    // A baseline where the CLI was 40% faster, so the comparison has regressions to mark.
    const baseline = join(dir, 'baseline.json');
    const base = readJson(results);
    for (const [name, m] of Object.entries(base.metrics) as Array<[string, { samples: number[] }]>) {
      if (name.startsWith('latency.cli.')) m.samples = m.samples.map((v) => v * 0.6);
    }
    writeFileSync(baseline, JSON.stringify(base));
    const outDir = join(dir, 'report');
    const r = runNode('bench/report.mjs', ['--current', results, '--baseline', baseline, '--out-dir', outDir]);
    expect(r.code, r.stderr).toBe(0);
    const html = join(outDir, 'report.html');
    const md = readFileSync(join(outDir, 'summary.md'), 'utf8');
    expect(md).toMatch(/regression/);
    expect(md).toMatch(/\| CLI processes \| 4 \|/);
    expect(readFileSync(html, 'utf8')).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const screenshot = join(outDir, 'report.png');
    const { dom } = await renderInChromium(html, { screenshot });
    for (const id of ['comparison', 'startup', 'latency-cli', 'latency-library', 'throughput', 'throughput-library', 'shards', 'against', 'against-losses']) {
      const m = new RegExp(`<svg[^>]*data-chart="${id}"[\\s\\S]*?</svg>`).exec(dom);
      expect(m, `chart ${id} missing from the rendered DOM`).not.toBeNull();
      const marks = [...m![0].matchAll(/<(rect|circle|path) class="mark[^"]*"([^>]*)>/g)];
      expect(marks.length, `chart ${id} has no data marks`).toBeGreaterThan(0);
      for (const [, tag, attrs] of marks) {
        if (tag === 'rect') {
          expect(Number(/width="([\d.]+)"/.exec(attrs)![1])).toBeGreaterThan(0);
          expect(Number(/height="([\d.]+)"/.exec(attrs)![1])).toBeGreaterThan(0);
        }
      }
    }
    expect(dom.includes('class="mark regression"'), 'no regression marked in the comparison chart').toBe(true);
    expect(existsSync(screenshot)).toBe(true);
    const png = readFileSync(screenshot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
  });
});
