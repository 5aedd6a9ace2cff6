/**
 * `coordination_helper telemetry ...`: read, verify, maintain and ship the journal, and start a
 * trace for a script. These commands open no coordinator and record no span of their own.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { SwarmError } from '../errors.js';
import { journalPaths } from '../journal/journalPaths.js';
import { listJournalFiles } from '../journal/listJournalFiles.js';
import { maintainJournal, readDropped } from '../journal/maintainJournal.js';
import { forEachJournalRecord, scanJournal } from '../journal/scanJournal.js';
import { StatsAccumulator, matchesFilter, parseTimeArg, type StatsFilter } from '../telemetry/computeStats.js';
import type { TelemetryConfig } from '../telemetry/resolveTelemetryConfig.js';
import { createSampler } from '../telemetry/Sampler.js';
import { isSpanRecord } from '../telemetry/SpanRecord.js';
import { formatTraceparent, newSpanId, newTraceId, parseTraceparent } from '../telemetry/traceContext.js';
import type { CliContext } from './CliContext.js';
import { formatTable } from './formatTable.js';

type Ctx = () => CliContext;
interface FilterOpts {
  since?: string;
  until?: string;
  operation?: string;
  json?: boolean;
}

function telemetryConfig(c: CliContext): TelemetryConfig {
  const tc = c.config.telemetry;
  for (const w of tc.warnings) c.say(`telemetry: ${w}`);
  return tc;
}

/** Readers of the journal: a missing journal directory is NOT_FOUND (a mistyped TELEMETRY_DIR), not "no spans". */
function existingJournal(c: CliContext): TelemetryConfig {
  const tc = telemetryConfig(c);
  if (!existsSync(tc.journal.dir)) throw new SwarmError('NOT_FOUND', `no telemetry journal at ${tc.journal.dir} (TELEMETRY_DIR); the first command that runs with telemetry on creates it`, { path: tc.journal.dir });
  return tc;
}

function toFilter(o: FilterOpts): StatsFilter {
  const time = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const t = parseTimeArg(v);
    if (Number.isNaN(t)) throw new SwarmError('INVALID_INPUT', `${flag}: give an ISO date or a duration like 15m, 2h, 7d (got ${JSON.stringify(v)})`, { field: flag });
    return t;
  };
  return { sinceMs: time('--since', o.since), untilMs: time('--until', o.until), operation: o.operation };
}

/** Streams the journal into a StatsAccumulator: memory grows by a few numbers per span, not a record. */
async function accumulateSpans(dir: string, f: StatsFilter): Promise<{ acc: StatsAccumulator; bad: number }> {
  const acc = new StatsAccumulator();
  const bad = await forEachJournalRecord(dir, (value) => {
    if (isSpanRecord(value) && matchesFilter(value, f)) acc.add(value);
  });
  return { acc, bad };
}

const withFilters = (cmd: Command) =>
  cmd
    .option('--since <time>', 'only spans started at or after this (ISO date, or 15m / 2h / 7d ago)')
    .option('--until <time>', 'only spans started before this')
    .option('--operation <name>', 'only this operation (claim, progress, complete, ...)')
    .option('--json', 'machine-readable output');

export function registerTelemetryCommands(program: Command, ctx: Ctx): void {
  const tel = program.command('telemetry').description('read, verify, maintain and ship the telemetry journal (see docs/telemetry.md)');

  withFilters(tel.command('stats').description('per-operation count, success rate, throughput, latency and lock-wait percentiles, re-weighted for sampling')).action(async (o: FilterOpts) => {
    const c = ctx();
    const tc = existingJournal(c);
    const f = toFilter(o);
    const { acc, bad } = await accumulateSpans(tc.journal.dir, f);
    const window = f.sinceMs !== undefined || f.untilMs !== undefined ? { fromMs: f.sinceMs ?? acc.firstStartMs, toMs: f.untilMs ?? Date.now() } : undefined;
    const stats = acc.result(window && Number.isFinite(window.fromMs) ? window : undefined);
    const dropped = readDropped(tc.journal);
    const droppedSummary = {
      retention: dropped.filter((d) => d.reason === 'retention').reduce((s, d) => s + d.records, 0),
      diskBudget: dropped.filter((d) => d.reason === 'disk_budget').reduce((s, d) => s + d.records, 0),
    };
    if (o.json || c.json) {
      c.out(JSON.stringify({ ...stats, badRecords: bad, droppedRecords: droppedSummary }, null, 2));
    } else if (stats.operations.length === 0) {
      c.say('no spans in the journal for this selection');
    } else {
      c.out(
        formatTable(
          ['operation', 'count', 'success', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'lock p95 ms', 'lock max ms', 'wait p95 ms', 'startup p50 ms'],
          stats.operations.map((s) => [s.operation, String(s.count), `${(s.successRate * 100).toFixed(1)}%`, String(s.throughputPerSec), ...[s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99, s.latencyMs.max, s.lockWaitMs.p95, s.lockWaitMs.max, s.waitMs.p95, s.startupMs.p50].map(String)]),
        ),
      );
      c.say(`window ${stats.window.from} .. ${stats.window.to}; counts are estimates re-weighted by each span's sampling rate; latency is the work alone (waiting for work is 'wait'); startup is the CLI process's start-up before the operation`);
    }
    if (bad) c.say(`warning: ${bad} torn or corrupt region(s) skipped; run 'telemetry verify'`);
    if (droppedSummary.diskBudget) c.say(`warning: ${droppedSummary.diskBudget} span(s) were removed to stay within JOURNAL_MAX_MB`);
  });

  withFilters(tel.command('query').description('print matching spans as JSON, one per line (for jq)')).option('--trace <trace_id>', 'only this trace').action(async (o: FilterOpts & { trace?: string }) => {
    const c = ctx();
    const tc = existingJournal(c);
    const f = toFilter(o);
    await scanJournal(tc.journal.dir, (content) => {
      const lines: string[] = [];
      for (const r of content.records) if (isSpanRecord(r.value) && matchesFilter(r.value, f) && (!o.trace || r.value.traceId === o.trace)) lines.push(JSON.stringify(r.value));
      if (lines.length) c.out(lines.join('\n'));
    });
  });

  tel
    .command('verify')
    .description(`check every record's framing and checksum; exit ${9} (STORE_CORRUPT) when any torn or corrupt region exists`)
    .option('--json', 'machine-readable report')
    .action(async (o: { json?: boolean }) => {
      const c = ctx();
      const tc = existingJournal(c);
      const files: { file: string; compressed: boolean; records: number; bad: { offset: number; bytes: number; kind: string }[] }[] = [];
      await scanJournal(tc.journal.dir, (content) => {
        files.push({ file: content.file.path, compressed: content.file.compressed, records: content.records.length, bad: content.bad });
      });
      const records = files.reduce((s, f) => s + f.records, 0);
      const bad = files.flatMap((f) => f.bad.map((b) => ({ file: f.file, ...b })));
      const dropped = readDropped(tc.journal);
      if (o.json || c.json) c.out(JSON.stringify({ files: files.length, records, bad, dropped }, null, 2));
      else {
        c.out(`${files.length} file(s), ${records} record(s), ${bad.length} torn/corrupt region(s)`);
        for (const b of bad) c.out(`${b.kind} ${b.file} offset ${b.offset} (${b.bytes} bytes)`);
        for (const d of dropped) c.out(`dropped ${d.segment}: ${d.records} record(s), ${d.bytes} bytes (${d.reason}) at ${d.time}`);
      }
      if (bad.length) throw new SwarmError('STORE_CORRUPT', `${bad.length} torn or corrupt region(s) in the telemetry journal (skipped by readers)`, { regions: bad.length });
    });

  tel
    .command('maintain')
    .description('run journal maintenance now: rotation, gzip of settled segments, retention, disk budget')
    .option('--json', 'machine-readable report')
    .action(async (o: { json?: boolean }) => {
      const c = ctx();
      const tc = telemetryConfig(c);
      const r = await maintainJournal(tc.journal);
      if (r.skipped) c.say('another process is running maintenance; nothing done');
      if (o.json || c.json) c.out(JSON.stringify(r, null, 2));
      else c.out(`rotated: ${r.rotated}; compressed ${r.compressed.length}; expired ${r.expired.length}; evicted for budget ${r.evicted.length}; ${r.totalBytes} bytes on disk (budget ${tc.journal.maxBytes})`);
      if (r.failed.length) {
        throw new SwarmError('IO_ERROR', `could not compress ${r.failed.length} segment(s), left whole and uncompressed: ${r.failed.map((f) => `${f.segment} (${f.error})`).join('; ')}`);
      }
    });

  tel
    .command('ship')
    .description('send every journal span the OTLP collector has not acknowledged yet (persistent cursor); needs OTEL_EXPORTER_OTLP_ENDPOINT')
    .option('--json', 'machine-readable report')
    .action(async (o: { json?: boolean }) => {
      const c = ctx();
      const tc = telemetryConfig(c);
      if (!tc.export) throw new SwarmError('INVALID_INPUT', 'no collector configured: set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
      const { shipJournal } = await import('../telemetry/shipJournal.js');
      const r = await shipJournal(tc, { waitForLock: true });
      if (o.json || c.json) c.out(JSON.stringify(r, null, 2));
      else c.out(`sent ${r.sent} span(s) in ${r.batches} batch(es)${r.complete ? '; journal fully shipped' : ''}`);
      if (r.skipped) throw new SwarmError('LOCK_TIMEOUT', 'another process kept the ship lock for 10 s', { path: journalPaths(tc.journal.dir).shipLock });
      if (!r.complete) throw new SwarmError('IO_ERROR', `collector did not acknowledge a batch (${r.stopped}); the cursor kept what was acknowledged: run ship again`, { url: tc.export.url });
    });

  tel
    .command('traceparent')
    .description('print a W3C traceparent to export as TRACEPARENT, so the calls of one task nest under one trace')
    .option('--child', 'continue the trace in $TRACEPARENT (new parent span id) instead of starting a new one')
    .action((o: { child?: boolean }) => {
      const c = ctx();
      const tc = telemetryConfig(c);
      const parent = o.child ? parseTraceparent(tc.traceparent) : null;
      if (o.child && !parent) throw new SwarmError('INVALID_INPUT', 'TRACEPARENT is missing or malformed', { field: 'TRACEPARENT' });
      const traceId = parent?.traceId ?? newTraceId();
      const sampled = tc.disabled ? false : createSampler(tc.sampler, tc.ratio).shouldSample(traceId, parent).sampled;
      c.out(formatTraceparent(traceId, newSpanId(), sampled));
    });

  tel
    .command('files')
    .description('list journal files with their sizes (disk usage against JOURNAL_MAX_MB)')
    .action(() => {
      const c = ctx();
      const tc = telemetryConfig(c);
      const files = listJournalFiles(journalPaths(tc.journal.dir));
      if (c.json) c.out(JSON.stringify(files, null, 2));
      else if (files.length) c.out(formatTable(['file', 'bytes', 'compressed', 'modified'], files.map((f) => [f.path, String(f.size), String(f.compressed), new Date(f.mtimeMs).toISOString()])));
      c.say(`${files.reduce((s, f) => s + f.size, 0)} bytes of ${tc.journal.maxBytes} (JOURNAL_MAX_MB)`);
    });
}
