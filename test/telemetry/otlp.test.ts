/**
 * OTLP export against a real HTTP receiver on loopback that decodes OTLP/HTTP JSON: inline
 * export from CLI calls, a collector that is down, slow or refusing, and `ship` resuming from its
 * persistent cursor with every span delivered once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { maintainJournal } from '../../src/journal/maintainJournal.js';
import { JournalTracer } from '../../src/telemetry/JournalTracer.js';
import { resolveTelemetryConfig } from '../../src/telemetry/resolveTelemetryConfig.js';
import { run, requireBuild, tempDir } from '../support/index.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number; message?: string };
}
type Mode = 'ok' | 'refuse' | 'slow' | ((n: number) => 'ok' | 'refuse');

class Receiver {
  /** Spans of requests answered 200 (acknowledged). */
  accepted: OtlpSpan[] = [];
  requests = 0;
  resources: unknown[] = [];
  private held: ServerResponse[] = [];
  private server: Server;
  constructor(public mode: Mode) {
    this.server = createServer((req, res) => this.handle(req, res));
  }
  listen(): Promise<string> {
    return new Promise((r) => this.server.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(this.server.address() as AddressInfo).port}`)));
  }
  private handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = this.requests++;
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toMatch(/application\/json/);
      const mode = typeof this.mode === 'function' ? this.mode(n) : this.mode;
      if (mode === 'slow') {
        this.held.push(res);
        return;
      }
      if (mode === 'refuse') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"refused"}');
        return;
      }
      const msg = JSON.parse(body.toString('utf8'));
      for (const rs of msg.resourceSpans) {
        this.resources.push(rs.resource);
        for (const ss of rs.scopeSpans) this.accepted.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }
  close(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const attr = (s: OtlpSpan, k: string) => {
  const v = s.attributes.find((a) => a.key === k)?.value;
  return v ? Object.values(v)[0] : undefined;
};
const receivers: Receiver[] = [];
async function receiver(mode: Mode) {
  const r = new Receiver(mode);
  receivers.push(r);
  return { r, url: await r.listen() };
}
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function journalWithSpans(dir: string, n: number, env: Record<string, string> = {}) {
  const t = new JournalTracer(resolveTelemetryConfig({ JOURNAL_ROTATION_MB: String(8 / 1024), JOURNAL_SEAL_GRACE_MS: '0', JOURNAL_COMPRESSION_AGE_DAYS: '0', ...env }, dir));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) t.startSpan('swarmfile.claim', { 'swarmfile.operation': 'claim', 'work.id': `w${i}` }).end();
  return { t, ids };
}

describe('OTLP export', () => {
  beforeAll(requireBuild);

  it('CLI calls export their spans inline when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const { r, url } = await receiver('ok');
    const dir = tempDir();
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    // The bound is far above any start-up delay of a busy machine: this test is about what is sent.
    const env = { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c`, AGENT_ID: 'agent_7', OTEL_EXPORTER_OTLP_ENDPOINT: url, TRACEPARENT: tp, OTEL_EXPORTER_OTLP_HEADERS: 'x-test=1', TELEMETRY_EXPORT_BOUND_MS: '30000' };
    const claim = await run(['claim', 'feature', 'x', 'high', 'blue'], env);
    expect(claim.code).toBe(0);
    const id = claim.stdout.trim();
    expect((await run(['complete', id], env)).code).toBe(0);
    expect(r.accepted.map((s) => s.name)).toEqual(['swarmfile.claim', 'swarmfile.complete']);
    const s = r.accepted[0]!;
    expect(s.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(s.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attr(s, 'work.id')).toBe(id);
    expect(attr(s, 'agent.id')).toBe('agent_7');
    expect(attr(s, 'work.team')).toBe('blue');
    expect(attr(s, 'sampling.rate')).toBeDefined();
    expect(JSON.stringify(r.resources[0])).toMatch(/service\.name/);
    // Already shipped inline: ship has nothing left to send.
    const ship = await run(['telemetry', 'ship', '--json'], env);
    expect(ship.code).toBe(0);
    expect(JSON.parse(ship.stdout)).toMatchObject({ sent: 0, complete: true });
    expect(r.accepted).toHaveLength(2);
  });

  it('a collector that is down, refusing or slow never fails a CLI call; ship later delivers everything once', async () => {
    const dir = tempDir();
    // Long enough for a loaded machine to load the exporter and send (the requests are counted),
    // short enough that the slow collector, which never answers, shows the call is bounded.
    const base = { TELEMETRY_DIR: `${dir}/t`, COORDINATION_DIR: `${dir}/c`, TELEMETRY_EXPORT_BOUND_MS: '3000' };
    // Down: a port nobody listens on.
    const gone = await receiver('ok');
    const downUrl = await Promise.resolve(gone.url);
    await gone.r.close();
    receivers.splice(receivers.indexOf(gone.r), 1);
    const down = await run(['claim', 'feature', 'down'], { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: downUrl });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^work_/);

    const refusing = await receiver('refuse');
    const ref = await run(['claim', 'feature', 'refused'], { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: refusing.url });
    expect(ref.code).toBe(0);
    expect(refusing.r.requests).toBeGreaterThan(0);

    const slow = await receiver('slow');
    const sl = await run(['claim', 'feature', 'slow'], { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${slow.url}/v1/traces` });
    expect(sl.code).toBe(0);
    expect(slow.r.requests).toBeGreaterThan(0);

    const failing = await run(['telemetry', 'ship'], { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: refusing.url });
    expect(failing.code).toBe(11);
    expect(failing.stderr).toMatch(/IO_ERROR/);

    const good = await receiver('ok');
    const ship = await run(['telemetry', 'ship', '--json'], { ...base, OTEL_EXPORTER_OTLP_ENDPOINT: good.url });
    expect(ship.code).toBe(0);
    expect(good.r.accepted.map((s) => attr(s, 'swarmfile.operation'))).toEqual(['claim', 'claim', 'claim']);
    expect(new Set(good.r.accepted.map((s) => s.spanId)).size).toBe(3);
  });

  it('ship resumes from its cursor across failures, rotation and gzip: every span exactly once', async () => {
    const dir = tempDir();
    const { t } = journalWithSpans(dir, 120);
    await t.shutdown();
    // Accept two batches, then refuse.
    const flaky = await receiver((n) => (n < 2 ? 'ok' : 'refuse'));
    const env = { TELEMETRY_DIR: dir, OTEL_EXPORTER_OTLP_ENDPOINT: flaky.url, OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '25' };
    const first = await run(['telemetry', 'ship', '--json'], env);
    expect(first.code).toBe(11);
    // Batches never span two files, so two batches hold at most 50 spans.
    const shipped = flaky.r.accepted.length;
    expect(shipped).toBeGreaterThan(0);
    expect(shipped).toBeLessThanOrEqual(50);

    // More spans, more rotations; compress everything settled.
    const more = journalWithSpans(dir, 80);
    await more.t.shutdown();
    await maintainJournal(resolveTelemetryConfig({ JOURNAL_SEAL_GRACE_MS: '0', JOURNAL_COMPRESSION_AGE_DAYS: '0', JOURNAL_ROTATION_MB: String(8 / 1024) }, dir).journal);

    const good = await receiver('ok');
    const second = await run(['telemetry', 'ship', '--json'], { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: good.url });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 200 - shipped, complete: true });
    const all = [...flaky.r.accepted, ...good.r.accepted].map((s) => s.spanId);
    expect(all).toHaveLength(200);
    expect(new Set(all).size).toBe(200);
    const again = await run(['telemetry', 'ship', '--json'], { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: good.url });
    expect(JSON.parse(again.stdout).sent).toBe(0);
  });
});
