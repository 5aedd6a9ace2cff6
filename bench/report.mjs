#!/usr/bin/env node
// @ts-check
/**
 * `make report`: a self-contained HTML report (inline SVG, inline CSS, no scripts, no network)
 * and a Markdown summary for pull requests, from a results file and optionally a baseline.
 */
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { compareMetrics, DEFAULTS } from './lib/compareMetrics.mjs';
import { pairedChange } from './lib/stats.mjs';
import { barChart, changeChart, lineChart } from './lib/svgCharts.mjs';
import { ROOT } from './lib/targets.mjs';

const HELP = `usage: node bench/report.mjs [--current FILE] [--baseline FILE] [--out-dir DIR] [--threshold PCT] [--alpha P]

  --current FILE    results of bench/run.mjs (default: the newest run in bench/results)
  --baseline FILE   compare against this run (default: bench/results/baseline.json when present)
  --out-dir DIR     where report.html and summary.md go (default bench/results/report)
Writes report.html (open it from disk) and summary.md; prints their paths.`;

/** @import { AgentRun, MeasuredRun, ResultsFile, Summary, Table } from './types.js' */
/** @import { compareMetrics as Compare } from './lib/compareMetrics.mjs' */
/** @import { LineSeries } from './lib/svgCharts.mjs' */

/**
 * What the report reads of each part's data in a results file (parsed JSON, shaped by the parts).
 * @typedef {{
 *   startup?: { data?: { summary: Record<string, Summary & { ratio_of_medians: number }> } },
 *   latency?: { data?: { cli: { summary: Record<string, Summary> }, library: { summary: Record<string, Summary> } } },
 *   throughput?: { data?: { runs: AgentRun[] } },
 *   sweep?: { data?: { runs: AgentRun[] } },
 *   shards?: { data?: { runs: (AgentRun & { shards: number })[], agents: number, recommended_default: number | null } },
 *   scale?: { data?: { runs: { items: number, cli: { summary: Record<string, Summary> } }[] } },
 *   claimnext?: { data?: { throughput: { mode: string, agents: number, throughput_cycles_per_s: number }[] }, table: Table },
 *   reservations?: { data?: { target_ratio: number, library: { ratio: Record<string, { ratio_of_medians: number | null }> }, cli: { ratio: Record<string, { ratio_of_medians: number | null }> } }, table: Table },
 *   memory?: { data?: { summary: Record<string, Summary>, library_process_peak_mb: number } },
 *   telemetry?: { skipped?: string, data?: { summary: Record<string, { on: Summary, off: Summary, overhead_pct: number }> } },
 *   against?: { data?: { command: string, runs: (MeasuredRun & { tool: string })[] } },
 *   detector?: { data?: { hit_rate: number | null, quiet_rate: number | null } },
 * }} ReportedParts
 */

const RESULTS = join(ROOT, 'bench/results');
/** @type {Record<string, string>} */
const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
/** @param {unknown} s */
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ENTITIES[c]);
/**
 * A number with `d` decimals, '-' for none.
 * @param {unknown} v
 */
const f = (v, d = 2) => (v === null || v === undefined || !Number.isFinite(Number(v)) ? '-' : Number(v).toFixed(d));

export function newestRun(dir = RESULTS) {
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir).filter((n) => /^\d{4}-.*\.json$/.test(n)).sort();
  return runs.length ? join(dir, runs[runs.length - 1]) : null;
}

/**
 * Everything the report shows, derived from one results file (+ optional comparison).
 * @param {ResultsFile} cur
 * @param {ReturnType<typeof Compare> | null} comparison
 * @param {{ current: string, baseline: string | null, html: string, md: string }} paths
 */
export function buildReport(cur, comparison, paths) {
  const P = /** @type {ReportedParts} */ (cur.parts ?? {});
  const charts = [];
  const sections = [];
  const md = [];
  const head = `${cur.git?.commit?.slice(0, 10) ?? 'unknown commit'}${cur.git?.dirty ? ' (dirty)' : ''}`;
  md.push(`## swarmfile benchmark: ${cur.ok ? 'all invariants held' : '**FAILED: data lost or duplicated**'}`, '', `Commit ${head}, ${cur.machine?.cores} cores, ${f(Number(cur.machine?.memory_bytes) / 2 ** 30, 1)} GiB, Node ${cur.machine?.node}, profile ${cur.config?.profile}, ${cur.started_at}.`, '');

  const startup = P.startup?.data;
  if (startup) {
    const ops = ['claim', 'progress', 'complete'];
    charts.push('startup');
    sections.push(section('Start-up against node -e 0', barChart({ id: 'startup', title: 'CLI wall time / node -e 0 (ratio of medians)', categories: ops, series: [{ name: 'ratio', values: ops.map((o) => startup.summary[o].ratio_of_medians) }], yLabel: 'x node -e 0', refLine: { value: 1.3, label: 'target 1.3x' } }) + table(['command', 'p50 ms', 'ratio'], [['node -e 0', f(startup.summary.node.p50, 1), '1.00'], ...ops.map((o) => [o, f(startup.summary[o].p50, 1), f(startup.summary[o].ratio_of_medians)])])));
    md.push('| start-up | p50 ms | vs `node -e 0` |', '|---|---|---|', `| node -e 0 | ${f(startup.summary.node.p50, 1)} | 1.00 |`, ...ops.map((o) => `| ${o} | ${f(startup.summary[o].p50, 1)} | ${f(startup.summary[o].ratio_of_medians)}x${startup.summary[o].ratio_of_medians > 1.3 ? ' (over 1.3x)' : ''} |`), '');
  }

  const lat = P.latency?.data;
  if (lat) {
    const ops = Object.keys(lat.cli.summary); // claim, progress, complete, and add/claim-next since the work queue
    const pct = /** @type {const} */ (['p50', 'p95', 'p99']);
    charts.push('latency-cli', 'latency-library');
    sections.push(section('Latency percentiles per operation', barChart({ id: 'latency-cli', title: 'CLI (one process per call)', categories: ops, series: pct.map((p) => ({ name: p, values: ops.map((o) => lat.cli.summary[o][p]) })), yLabel: 'ms' }) + barChart({ id: 'latency-library', title: 'Library (one process)', categories: ops, series: pct.map((p) => ({ name: p, values: ops.map((o) => lat.library.summary[o][p]) })), yLabel: 'ms' })));
  }

  const tp = P.throughput?.data?.runs;
  const sw = P.sweep?.data?.runs;
  if (tp || sw) {
    /** @type {LineSeries[]} */
    const series = [];
    if (sw) series.push({ name: 'CLI sweep', points: sw.map((r) => [r.agents, r.throughput_cycles_per_s]) });
    if (tp) series.push({ name: 'CLI 1/8/32', points: tp.filter((r) => r.mode === 'cli').map((r) => [r.agents, r.throughput_cycles_per_s]) });
    const lib = (tp ?? []).filter((r) => r.mode === 'library');
    charts.push('throughput');
    // The library is ~30x faster than a process per call, so it gets its own axis.
    const libChart = lib.length ? (charts.push('throughput-library'), lineChart({ id: 'throughput-library', title: 'Library: full cycles per second (one process)', series: [{ name: 'library', points: lib.map((r) => [r.agents, r.throughput_cycles_per_s]) }], xLabel: 'concurrent agents in one process (log scale)', yLabel: 'cycles/s', logX: true })) : '';
    const rows = [...(tp ?? []).map((r) => [r.mode, r.agents, r.ok_cycles, f(r.throughput_cycles_per_s), f(Number(r.success_rate) * 100, 1), r.invariants.ok ? 'ok' : 'FAILED']), ...(sw ?? []).map((r) => [`sweep`, r.agents, r.ok_cycles, f(r.throughput_cycles_per_s), f(Number(r.success_rate) * 100, 1), r.invariants.ok ? 'ok' : 'FAILED'])];
    sections.push(section('Throughput against agents', lineChart({ id: 'throughput', title: 'CLI agent processes: full cycles per second', series, xLabel: 'concurrent agents (log scale)', yLabel: 'cycles/s', logX: true }) + libChart + table(['via', 'agents', 'cycles', 'cycles/s', 'success %', 'invariants'], rows)));
    if (tp) md.push('| throughput (claim→progress→complete) | agents | cycles/s | invariants |', '|---|---|---|---|', ...tp.map((r) => `| ${r.mode === 'cli' ? 'CLI processes' : 'library, one process'} | ${r.agents} | ${f(r.throughput_cycles_per_s)} | ${r.invariants.ok ? 'ok' : '**FAILED**'} |`), '');
  }

  const sh = P.shards?.data;
  if (sh) {
    charts.push('shards');
    sections.push(section(`Shard sweep (${sh.agents} agents)`, barChart({ id: 'shards', title: 'Throughput by WORK_QUEUE_SHARDING', categories: sh.runs.map((r) => String(r.shards)), series: [{ name: 'cycles/s', values: sh.runs.map((r) => r.throughput_cycles_per_s), colors: sh.runs.map((r) => (r.shards === sh.recommended_default ? '#16a34a' : '#2563eb')) }], yLabel: 'cycles/s' }) + `<p>The data supports <b>WORK_QUEUE_SHARDING=${esc(sh.recommended_default)}</b> (smallest count within 5% of the best, drawn green).</p>`));
    md.push(`Shard sweep (${sh.agents} agents): ${sh.runs.map((r) => `${r.shards}: ${f(r.throughput_cycles_per_s)}`).join(', ')} cycles/s; data supports default **${sh.recommended_default}**.`, '');
  }

  const sc = P.scale?.data?.runs;
  if (sc) {
    charts.push('scale');
    const ops = ['claim', 'progress', 'complete'];
    sections.push(section('Scale: latency against items in the store', lineChart({ id: 'scale', title: 'CLI p50 latency', series: ops.map((o) => ({ name: o, points: sc.map((r) => [r.items, r.cli.summary[o].p50]) })), xLabel: 'active items (log scale)', yLabel: 'ms', logX: true })));
  }

  const cn = P.claimnext;
  if (cn?.data?.throughput) {
    charts.push('claimnext');
    const tp = cn.data.throughput;
    const series = ['cli', 'library'].map((mode) => ({ name: mode === 'cli' ? 'CLI processes' : 'library', points: tp.filter((r) => r.mode === mode).map((r) => /** @type {[number, number]} */ ([r.agents, r.throughput_cycles_per_s])) })).filter((x) => x.points.length);
    const chart = lineChart({ id: 'claimnext', title: 'Work queue: claim-next -> progress -> complete cycles per second', series, xLabel: 'concurrent agents (log scale)', yLabel: 'cycles/s', logX: true });
    sections.push(section('Work queue (claim-next)', chart + table(cn.table.headers, cn.table.rows)));
    md.push('| work queue | via | setting | result | p50 ms | check |', '|---|---|---|---|---|---|', ...cn.table.rows.map((r) => `| ${r[0]} | ${r[1]} | ${r[2]} | ${r[4] ?? ''} | ${r[5] ?? ''} | ${r[7] ?? ''} |`), '');
  }

  const rs = P.reservations;
  if (rs?.data?.library && rs.data.cli) {
    charts.push('reservations');
    const { library, cli, target_ratio: target } = rs.data;
    const ops = ['reserve', 'check_paths'];
    const chart = barChart({ id: 'reservations', title: 'Path reservations: latency with 10,000 live against 10 (ratio of medians)', categories: ops, series: [{ name: 'library', values: ops.map((o) => library.ratio[o]?.ratio_of_medians ?? null) }, { name: 'CLI', values: ops.map((o) => cli.ratio[o]?.ratio_of_medians ?? null) }], yLabel: 'x (10 live)', refLine: { value: target, label: `target ${target}x` } });
    sections.push(section('Path reservations', chart + table(rs.table.headers, rs.table.rows)));
  }

  // Paired comparisons: metrics whose samples are per-round ratios of two things measured in the
  // same round (a call over its node -e 0, telemetry on over off), with a 95% CI of the change.
  const paired = Object.entries(cur.metrics ?? {}).filter(([name]) => /^(startup|telemetry)\.ratio\./.test(name));
  if (paired.length) {
    const rows = paired.map(([name, m]) => {
      const pc = pairedChange(m.samples);
      return [name, pc.n, f(pc.median_ratio), f(pc.change_pct, 1), pc.ci95_change_pct ? `${f(pc.ci95_change_pct[0], 1)}..${f(pc.ci95_change_pct[1], 1)}` : '-'];
    });
    sections.push(section('Paired comparisons (both sides measured in the same round)', `<p>Change = trimmed mean of the per-round log-ratios, 95% bootstrap CI. startup: CLI call over the <code>node -e 0</code> before it; telemetry: 100% sampling over off.</p>${table(['metric', 'rounds', 'median ratio', 'change %', '95% CI %'], rows)}`));
  }
  const det = P.detector?.data;
  if (det) sections.push(section('Regression detector (--compare): hit and false-alarm rates', table(['runs', 'rate', 'target'], [['claim slowed 10%: reported', f(det.hit_rate, 2), '>= 0.90'], ['A/A: no alarm', f(det.quiet_rate, 2), '>= 0.95']])));

  const mem = P.memory?.data;
  if (mem) sections.push(section('Memory: peak RSS', table(['process', 'p50 MiB', 'max MiB'], [['node -e 0', f(mem.summary.node.p50, 1), f(mem.summary.node.max, 1)], ...['claim', 'progress', 'complete'].map((o) => [`CLI ${o}`, f(mem.summary[o].p50, 1), f(mem.summary[o].max, 1)]), ['library process', f(mem.library_process_peak_mb, 1), '']])));

  if (P.telemetry?.skipped) sections.push(section('Telemetry overhead', `<p>${esc(P.telemetry.skipped)}</p>`));
  else if (P.telemetry?.data) sections.push(section('Telemetry overhead', table(['op', 'off p50 ms', 'on p50 ms', 'overhead % (paired)'], Object.entries(P.telemetry.data.summary).map(([o, s]) => [o, f(s.off.p50, 1), f(s.on.p50, 1), f(s.overhead_pct, 1)]))));

  const ag = P.against?.data;
  if (ag) {
    charts.push('against');
    const agentsList = [...new Set(ag.runs.map((r) => r.agents))];
    const tools = [...new Set(ag.runs.map((r) => r.tool))];
    /**
     * @param {string} tool
     * @param {number} a agents
     */
    const pick = (tool, a) => ag.runs.find((r) => r.tool === tool && r.agents === a);
    const chart = barChart({ id: 'against', title: 'Throughput: swarmfile vs other tool', categories: agentsList.map((a) => `${a} agents`), series: tools.map((t) => ({ name: t.length > 18 ? `${t.slice(0, 16)}…` : t, values: agentsList.map((a) => pick(t, a)?.throughput_cycles_per_s) })), yLabel: 'cycles/s' });
    const lossChart = barChart({ id: 'against-losses', title: 'Reported operations lost in the files', categories: agentsList.map((a) => `${a} agents`), series: tools.map((t) => ({ name: t.length > 18 ? `${t.slice(0, 16)}…` : t, values: agentsList.map((a) => pick(t, a)?.invariants.lost.total ?? 0) })), yLabel: 'lost' });
    charts.push('against-losses');
    const rows = ag.runs.map((r) => [r.tool, r.agents, f(r.throughput_cycles_per_s), f(r.latency.claim.p50, 1), f(r.latency.complete.p95, 1), r.invariants.lost.claims, r.invariants.lost.progress, r.invariants.lost.completions, r.invariants.duplicated.count]);
    sections.push(section(`Against ${esc(ag.command)}`, chart + lossChart + table(['tool', 'agents', 'cycles/s', 'claim p50', 'complete p95', 'lost claims', 'lost progress', 'lost completions', 'duplicates'], rows)));
    md.push(`Against \`${ag.command}\`:`, '', '| tool | agents | cycles/s | lost claims | lost progress | lost completions |', '|---|---|---|---|---|---|', ...ag.runs.map((r) => `| ${r.tool === 'swarmfile' ? 'swarmfile' : 'other'} | ${r.agents} | ${f(r.throughput_cycles_per_s)} | ${r.invariants.lost.claims} | ${r.invariants.lost.progress} | ${r.invariants.lost.completions} |`), '');
  }

  if (comparison) {
    charts.push('comparison');
    const rows = comparison.rows.filter((r) => r.change_pct !== null && r.change_pct !== undefined && r.n_baseline !== undefined && r.n_baseline >= comparison.min_samples && r.n_current !== undefined && r.n_current >= comparison.min_samples);
    const chart = changeChart({ id: 'comparison', title: `Current against baseline: change of the median (worse is right); red = significant regression over ${comparison.threshold_pct}%`, rows: rows.map((r) => ({ label: r.metric, value: Number(r.worse_pct) /* a number wherever change_pct is */, flag: r.verdict === 'REGRESSION' ? 'regression' : r.verdict === 'improvement' ? 'improvement' : null })) });
    sections.unshift(section(`Baseline comparison (${esc(paths.baseline)})`, `<p class="${comparison.ok ? 'ok' : 'bad'}">${comparison.ok ? 'No significant regression.' : `Regressions: ${comparison.regressions.map(esc).join(', ')}`}</p>` + chart + table(['metric', 'baseline p50', 'current p50', 'change %', '95% CI %', 'p', 'verdict'], comparison.rows.filter((r) => !['no significant change', 'new in current', 'missing in current'].includes(r.verdict)).map((r) => [r.metric, f(r.median_baseline), f(r.median_current), f(r.change_pct, 1), r.ci95_change_pct ? `${f(r.ci95_change_pct[0], 1)}..${f(r.ci95_change_pct[1], 1)}` : '-', r.p_value == null ? '-' : r.p_value.toExponential(1), r.verdict]))));
    md.push(comparison.ok ? `Against baseline: no significant regression (threshold ${comparison.threshold_pct}%, alpha ${comparison.alpha}).` : `Against baseline: **${comparison.regressions.length} regression(s)**: ${comparison.regressions.join(', ')}.`, '');
  }
  if (!cur.ok) md.push('**Failures:**', ...cur.failures.map((x) => `- ${x}`), '');
  md.push(`Full report: \`${paths.html}\``);

  const css = `body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1100px;color:#111}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}th{background:#f3f4f6}td:first-child{text-align:left}.chart{display:block;margin:8px 0;background:#fff}.chart .title{font-weight:600;font-size:13px}.chart .tick,.chart .legend{font-size:11px;fill:#374151}.chart .axis{font-size:11px;fill:#6b7280}.chart .grid{stroke:#e5e7eb}.chart .ref{stroke:#111;stroke-dasharray:4 3}.ok{color:#166534}.bad{color:#b91c1c;font-weight:600}`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>swarmfile benchmark report</title><style>${css}</style></head><body>
<h1>swarmfile benchmark report</h1>
<p class="${cur.ok ? 'ok' : 'bad'}">${cur.ok ? 'Every multi-agent run passed its invariant check (nothing lost, nothing duplicated).' : `FAILED: ${cur.failures.map(esc).join('; ')}`}</p>
<p>Commit ${esc(head)} · ${esc(cur.machine?.cores)} cores · ${f(Number(cur.machine?.memory_bytes) / 2 ** 30, 1)} GiB · Node ${esc(cur.machine?.node)} · profile ${esc(cur.config?.profile)} · ${esc(cur.started_at)} · results ${esc(paths.current)}</p>
${sections.join('\n')}
</body></html>\n`;
  return { html, markdown: `${md.join('\n')}\n`, charts };
}

/**
 * @param {string} title
 * @param {string} body
 */
function section(title, body) {
  return `<section><h2>${title}</h2>${body}</section>`;
}

/**
 * @param {string[]} headers
 * @param {unknown[][]} rows
 */
function table(headers, rows) {
  return `<table><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</table>`;
}

/**
 * @param {string[]} argv
 * @returns {Promise<number>} the exit status
 */
export async function main(argv) {
  let o;
  try {
    o = parseArgs({ args: argv, options: { current: { type: 'string' }, baseline: { type: 'string' }, 'out-dir': { type: 'string' }, threshold: { type: 'string' }, alpha: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    process.stderr.write(`report: ${/** @type {Error} */ (err).message}\n${HELP}\n`);
    return 2;
  }
  if (o.help) return process.stdout.write(`${HELP}\n`), 0;
  const current = o.current ?? newestRun();
  if (!current) {
    process.stderr.write('report: no results yet: run make benchmark first (or give --current)\n');
    return 2;
  }
  const defaultBase = join(RESULTS, 'baseline.json');
  const baseline = o.baseline ?? (existsSync(defaultBase) && resolve(defaultBase) !== resolve(current) ? defaultBase : null);
  /** @type {ResultsFile} */
  const cur = JSON.parse(await fs.readFile(current, 'utf8'));
  const comparison = baseline ? compareMetrics(JSON.parse(await fs.readFile(baseline, 'utf8')).metrics, cur.metrics, { threshold: o.threshold ? Number(o.threshold) : DEFAULTS.threshold, alpha: o.alpha ? Number(o.alpha) : DEFAULTS.alpha }) : null;
  const outDir = resolve(o['out-dir'] ?? join(RESULTS, 'report'));
  await fs.mkdir(outDir, { recursive: true });
  const paths = { current, baseline, html: join(outDir, 'report.html'), md: join(outDir, 'summary.md') };
  const { html, markdown } = buildReport(cur, comparison, paths);
  await fs.writeFile(paths.html, html);
  await fs.writeFile(paths.md, markdown);
  process.stdout.write(`${markdown}\nreport: ${paths.html}\nsummary: ${paths.md}\n`);
  return 0;
}

if (process.argv[1]?.endsWith('report.mjs')) process.exitCode = await main(process.argv.slice(2));
