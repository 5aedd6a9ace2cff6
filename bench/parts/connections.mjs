// @ts-check
/**
 * Issue 10: what a long-lived connection buys. Full claim -> progress 50 -> complete cycles per
 * second with 1, 8 and 32 agents through four ways in: the CLI (a process per operation), the
 * library (every agent in one process), `coordination_helper session` (one session process per
 * agent, driven line by line) and `coordination_helper mcp` (one MCP server per agent, driven by
 * an MCP client), each on a fresh file store and checked against it. Target: session and MCP at the
 * largest agent count at least CONNECTIONS_TARGET times the CLI's cycles/s.
 */
/** @import { MeasuredRun } from '../types.js' */
import { fmt, fmtPct, multiRun } from '../lib/multiRun.mjs';
import { CHANNELS, channelBuilt } from '../lib/runChannelAgents.mjs';

/** session and mcp at the largest agent count: at least this many times the CLI's cycles/s. */
export const CONNECTIONS_TARGET = 10;

/** @type {Record<string, string>} */
const LABELS = { cli: 'CLI processes', library: 'library, 1 process', session: 'session', mcp: 'mcp' };

export default /** @satisfies {import('../types.js').BenchPart} */ ({
  name: 'connections',
  title: 'Connections: full cycles/s through the CLI, the library, session and mcp',
  async run(ctx) {
    const { connectionsAgents, connectionsCliCycles, connectionsLibCycles, connectionsChannelCycles } = ctx.sizes;
    const vias = ['cli', 'library', ...CHANNELS.filter(channelBuilt)];
    const missing = CHANNELS.filter((c) => !channelBuilt(c));
    for (const c of missing) ctx.progress.note(`${c}: not built`);
    /** @type {MeasuredRun[]} */
    const runs = [];
    for (const agents of connectionsAgents) {
      for (const via of vias) {
        const cycles = (via === 'cli' ? connectionsCliCycles : via === 'library' ? connectionsLibCycles : connectionsChannelCycles)(agents);
        ctx.progress.start(`connections ${via} ${agents} agents`, agents * cycles);
        runs.push(await multiRun(ctx, `connections-${via}-${agents}`, { agents, cycles, mode: via }));
      }
    }
    const top = Math.max(...connectionsAgents);
    const cliRate = (/** @type {number} */ agents) => runs.find((r) => r.mode === 'cli' && r.agents === agents)?.throughput_cycles_per_s ?? null;
    const ratio = (/** @type {MeasuredRun} */ r) => {
      const base = cliRate(r.agents);
      return base ? r.throughput_cycles_per_s / base : null;
    };
    /** @type {Record<string, { agents: number, ratio: number | null, met: boolean } | 'not built'>} */
    const target = {};
    for (const c of CHANNELS) {
      const r = runs.find((x) => x.mode === c && x.agents === top);
      const x = r ? ratio(r) : null;
      target[c] = r ? { agents: top, ratio: x, met: x !== null && x >= CONNECTIONS_TARGET } : 'not built';
    }
    const rows = runs.map((r) => {
      ctx.metric(`connections.${r.mode}.a${r.agents}.cycles_per_s`, 'cycles/s', 'higher', [r.throughput_cycles_per_s]);
      ctx.metric(`connections.${r.mode}.a${r.agents}.cycle_ms`, 'ms', 'lower', r.cycle_samples_ms);
      const x = ratio(r);
      const t = target[r.mode];
      const verdict = r.agents === top && typeof t === 'object' ? (t.met ? `met (>=${CONNECTIONS_TARGET}x)` : `NOT MET (<${CONNECTIONS_TARGET}x)`) : '';
      return [LABELS[r.mode], r.agents, r.ok_cycles, fmt(r.wall_ms / 1000, 2), fmt(r.throughput_cycles_per_s, 1), x === null ? '-' : `${fmt(x, 1)}x`, fmtPct(r.success_rate), r.invariants.ok ? 'ok' : 'FAILED', verdict];
    });
    for (const c of missing) rows.push([c, '-', '-', '-', '-', '-', '-', '-', 'not built']);
    const headers = ['via', 'agents', 'cycles', 'wall s', 'cycles/s', 'x CLI', 'success %', 'invariants', `target: >=${CONNECTIONS_TARGET}x CLI at ${top} agents`];
    return { data: { runs, target_ratio: CONNECTIONS_TARGET, target }, table: { headers, rows } };
  },
});
