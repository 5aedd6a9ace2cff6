/**
 * The `connections` benchmark part (issue 10), run tiny: one run per way in (CLI, library, session,
 * and mcp once bench/children/mcpAgent.mjs exists) and agent count, each passing its store check
 * with every cycle done; its rows, ratios, metrics and target verdict are reported as promised.
 * And the session runner (runChannelAgents) merges its agents' outputs: every cycle and operation
 * of every agent is in the run and in the ledger checked against the store. No timing is asserted.
 */
import { describe, expect, it } from 'vitest';
import part, { CONNECTIONS_TARGET } from '../../bench/parts/connections.mjs';
import { channelBuilt, runChannelAgents } from '../../bench/lib/runChannelAgents.mjs';
import { tinyContext } from '../support/benchContext.js';
import { requireBuild, tempDir } from '../support/index.js';

requireBuild();

describe('connections part', () => {
  it('runs every way in with 1 and 2 agents, checks each store and reports rows, ratios, metrics and the target', async () => {
    const sizes = { connectionsAgents: [1, 2], connectionsCliCycles: () => 2, connectionsLibCycles: () => 3, connectionsChannelCycles: () => 3 };
    const { ctx, metrics, checks } = tinyContext('connections-part', sizes);
    const out = await part.run(ctx);
    const vias = ['cli', 'library', 'session', ...(channelBuilt('mcp') ? ['mcp'] : [])];
    const labels = [1, 2].flatMap((n) => vias.map((v) => `connections-${v}-${n}`));
    expect(checks).toEqual(labels.map((label) => ({ label, ok: true, problems: [] })));

    const runs = out.data.runs as { mode: string; agents: number; ok_cycles: number; throughput_cycles_per_s: number; failures: number }[];
    expect(runs.map((r) => [r.mode, r.agents])).toEqual([1, 2].flatMap((n) => vias.map((v) => [v, n])));
    for (const r of runs) {
      expect(r.ok_cycles, `${r.mode} ${r.agents}`).toBe(r.agents * (r.mode === 'cli' ? 2 : 3));
      expect(r.failures).toBe(0);
      expect(r.throughput_cycles_per_s).toBeGreaterThan(0);
      expect(metrics[`connections.${r.mode}.a${r.agents}.cycles_per_s`]).toEqual({ unit: 'cycles/s', better: 'higher', samples: [r.throughput_cycles_per_s] });
    }

    const rows = out.table.rows;
    expect(out.table.headers).toEqual(['via', 'agents', 'cycles', 'wall s', 'cycles/s', 'x CLI', 'success %', 'invariants', `target: >=${CONNECTIONS_TARGET}x CLI at 2 agents`]);
    expect(rows.slice(0, runs.length).every((row) => row[7] === 'ok')).toBe(true);
    // Ratios are to the CLI at the same agent count; the verdict is given for session (and mcp) at 2 agents.
    const sessionAt2 = rows.find((row) => row[0] === 'session' && row[1] === 2)!;
    const ratio = runs.find((r) => r.mode === 'session' && r.agents === 2)!.throughput_cycles_per_s / runs.find((r) => r.mode === 'cli' && r.agents === 2)!.throughput_cycles_per_s;
    expect(sessionAt2[5]).toBe(`${ratio.toFixed(1)}x`);
    expect(sessionAt2[8]).toBe(ratio >= CONNECTIONS_TARGET ? `met (>=${CONNECTIONS_TARGET}x)` : `NOT MET (<${CONNECTIONS_TARGET}x)`);
    expect(out.data.target.session).toEqual({ agents: 2, ratio, met: ratio >= CONNECTIONS_TARGET });
    expect(rows.find((row) => row[0] === 'CLI processes' && row[1] === 1)![5]).toBe('1.0x');
    if (!channelBuilt('mcp')) {
      expect(rows.at(-1)).toEqual(['mcp', '-', '-', '-', '-', '-', '-', '-', 'not built']);
      expect(out.data.target.mcp).toBe('not built');
    }
  }, 180_000);

  it('runChannelAgents merges its session agents: every cycle and operation counted, the ledger checked', async () => {
    const dir = `${tempDir('connections-runner')}/store`;
    const run = await runChannelAgents('session', { dir, agents: 3, cycles: 4, env: { TELEMETRY_DIR: `${dir}-telemetry` } });
    expect(run).toMatchObject({ mode: 'session', agents: 3, cycles: 12, ok_cycles: 12, failures: 0 });
    expect(run.invariants).toMatchObject({ ok: true, reported: { claimed: 12, progressed: 12, completed: 12 }, on_disk: { active: 0, completed: 12 } });
    expect(run.op_samples_ms).toMatchObject({ claim: expect.any(Array), progress: expect.any(Array), complete: expect.any(Array) });
    for (const op of ['claim', 'progress', 'complete']) expect(run.op_samples_ms[op]).toHaveLength(12);
    expect(run.start_spread_ms).toBeGreaterThanOrEqual(0);
  }, 120_000);
});
