import { describe, expect, it } from 'vitest';
import { scanJournal } from '../../src/journal/scanJournal.js';
import { JournalTracer } from '../../src/telemetry/JournalTracer.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { createSampler, traceIdRatioKeeps } from '../../src/telemetry/Sampler.js';
import type { SpanRecord } from '../../src/telemetry/SpanRecord.js';
import { formatTraceparent, newTraceId, parseTraceparent } from '../../src/telemetry/traceContext.js';
import { runSync, tempDir } from '../support/index.js';

async function spans(dir: string): Promise<SpanRecord[]> {
  const out: SpanRecord[] = [];
  await scanJournal(dir, (c) => {
    out.push(...c.records.map((r) => r.value as SpanRecord));
  });
  return out;
}

describe('sampler', () => {
  it('traceidratio is deterministic per trace id and keeps about the ratio', () => {
    const ids = Array.from({ length: 4000 }, newTraceId);
    const s = createSampler('traceidratio', 0.25);
    const first = ids.map((id) => s.shouldSample(id, null).sampled);
    expect(ids.map((id) => createSampler('traceidratio', 0.25).shouldSample(id, null).sampled)).toEqual(first);
    const kept = first.filter(Boolean).length / ids.length;
    expect(kept).toBeGreaterThan(0.2);
    expect(kept).toBeLessThan(0.3);
    expect(traceIdRatioKeeps('0'.repeat(31) + '1', 0.01)).toBe(true);
    expect(traceIdRatioKeeps('ffffffff' + '0'.repeat(24), 0.99)).toBe(false);
    expect(createSampler('traceidratio', 0.25).shouldSample(ids[0]!, null).rate).toBe(0.25);
  });

  it('parent-based samplers follow the TRACEPARENT flag; plain ones ignore it', () => {
    const id = newTraceId();
    const on = parseTraceparent(formatTraceparent(id, 'a'.repeat(16), true));
    const off = parseTraceparent(formatTraceparent(id, 'a'.repeat(16), false));
    expect(createSampler('parentbased_always_on', 1).shouldSample(id, off).sampled).toBe(false);
    expect(createSampler('parentbased_always_off', 1).shouldSample(id, on)).toEqual({ sampled: true, rate: 1 });
    expect(createSampler('always_on', 1).shouldSample(id, off).sampled).toBe(true);
    expect(createSampler('always_off', 1).shouldSample(id, on).sampled).toBe(false);
  });

  it('parses W3C traceparent and rejects malformed ones', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    for (const bad of ['', 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra']) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('resolves OTEL_* settings, the TELEMETRY_SAMPLE_RATE alias, and falls back on bad values with a warning', () => {
    expect(resolveTelemetryConfig({}, 'd')).toMatchObject({ sampler: 'parentbased_always_on', ratio: 1, criticalAlways: true, slowMs: 1000, disabled: false, export: undefined });
    expect(resolveTelemetryConfig({ TELEMETRY_SAMPLE_RATE: '0.1' }, 'd')).toMatchObject({ sampler: 'parentbased_traceidratio', ratio: 0.1 });
    expect(resolveTelemetryConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5', TELEMETRY_SAMPLE_RATE: '0.1' }, 'd')).toMatchObject({ sampler: 'traceidratio', ratio: 0.5 });
    const bad = resolveTelemetryConfig({ OTEL_TRACES_SAMPLER: 'sometimes', TELEMETRY_SAMPLE_RATE: '7', WAL_SYNC_INTERVAL: 'soon' }, 'd');
    expect(bad.sampler).toBe('parentbased_traceidratio');
    expect(bad.ratio).toBe(1);
    expect(bad.journal.syncIntervalMs).toBe(1000);
    expect(bad.warnings).toHaveLength(3);
    expect(resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318/' }, 'd').export?.url).toBe('http://h:4318/v1/traces');
    expect(resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://h:4318', OTEL_TRACES_EXPORTER: 'none' }, 'd').export).toBeUndefined();
  });
});

describe('always-keep rule and sampling rate', () => {
  it('always_off keeps only failed and slow spans (rate 1); SAMPLING_CRITICAL_ALWAYS=false keeps none', async () => {
    const dir = tempDir();
    const t = new JournalTracer(resolveTelemetryConfig({ OTEL_TRACES_SAMPLER: 'always_off', TELEMETRY_SLOW_MS: '30' }, dir));
    t.startSpan('swarmfile.ok', { 'swarmfile.operation': 'ok' }).end();
    t.startSpan('swarmfile.fail', { 'swarmfile.operation': 'fail' }).end('NOT_FOUND');
    const slow = t.startSpan('swarmfile.slow', { 'swarmfile.operation': 'slow' });
    await new Promise((r) => setTimeout(r, 40));
    slow.end();
    await t.shutdown();
    await t.shutdown(); // twice is safe
    const got = await spans(dir);
    expect(got.map((s) => s.name)).toEqual(['swarmfile.fail', 'swarmfile.slow']);
    expect(got.every((s) => s.sampleRate === 1 && s.critical === true)).toBe(true);
    expect(t.errors).toBe(0);

    const dir2 = tempDir();
    const t2 = new JournalTracer(resolveTelemetryConfig({ OTEL_TRACES_SAMPLER: 'always_off', SAMPLING_CRITICAL_ALWAYS: 'false' }, dir2));
    t2.startSpan('swarmfile.fail').end('NOT_FOUND');
    expect(await spans(dir2)).toEqual([]);
  });

  it('a trace is kept or dropped as a whole across processes, and spans nest under TRACEPARENT; stats re-weight', () => {
    const dir = tempDir();
    const base = { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c`, AGENT_ID: 'sampler_agent', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' };
    let kept = 0;
    const expected: string[] = [];
    for (let i = 0; i < 6; i++) {
      const tp = runSync(['telemetry', 'traceparent'], base).stdout.trim();
      const p = parseTraceparent(tp)!;
      expect(p).not.toBeNull();
      const env = { ...base, TRACEPARENT: tp };
      const id = runSync(['claim', 'feature', 'x'], env).stdout.trim();
      runSync(['complete', id], env);
      if (p.sampled) {
        kept++;
        expected.push(p.traceId, p.traceId);
      }
      expect(p.sampled).toBe(traceIdRatioKeeps(p.traceId, 0.5));
    }
    const q = runSync(['telemetry', 'query'], base).stdout.trim();
    const got = q ? q.split('\n').map((l) => JSON.parse(l) as SpanRecord) : [];
    expect(got.map((s) => s.traceId)).toEqual(expected);
    for (const s of got) {
      expect(s.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(s.sampleRate).toBe(0.5);
    }
    // With all six traces dropped (1 in 64) no span was written and there is no journal to read.
    const stats = runSync(['telemetry', 'stats', '--json'], base);
    expect(stats.code, stats.stderr).toBe(kept ? 0 : 3);
    if (kept) expect(JSON.parse(stats.stdout).operations.find((o: { operation: string }) => o.operation === 'claim').count).toBe(kept * 2);
  });
});
