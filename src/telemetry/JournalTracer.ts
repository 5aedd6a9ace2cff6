/**
 * The tracer of every CLI call and Coordinator: one span per operation, appended to the journal
 * when kept by the sampler (or by the always-keep rule). On shutdown it runs maintenance when due
 * and, if an OTLP endpoint is configured, ships what the collector has not seen yet within a
 * small bound. Never throws: failures are counted in `errors` and the first is kept for inspection.
 */
import { appendRecord } from '../journal/appendRecord.js';
import { encodeFrame } from '../journal/frameRecord.js';
import { journalPaths, type JournalPaths } from '../journal/journalPaths.js';
import { maintainJournal, maintenanceDue } from '../journal/maintainJournal.js';
import { monotonicMs, wallClockNs } from '../model/clock.js';
import type { TelemetryConfig } from './resolveTelemetryConfig.js';
import { createSampler, type Sampler } from './Sampler.js';
import type { SpanRecord } from './SpanRecord.js';
import { newSpanId, newTraceId, parseTraceparent, type TraceParent } from './traceContext.js';
import type { AttrValue, OperationSpan, Tracer } from './Tracer.js';

export class JournalTracer implements Tracer {
  readonly config: TelemetryConfig;
  private readonly paths: JournalPaths;
  private readonly sampler: Sampler;
  private readonly parent: TraceParent | null;
  private rotated = false;
  private wrote = false;
  private shutdownPromise: Promise<void> | undefined;
  /** Telemetry failures swallowed so far (never surfaced to the operation). */
  errors = 0;
  firstError: unknown;

  constructor(config: TelemetryConfig) {
    this.config = config;
    this.paths = journalPaths(config.journal.dir);
    this.sampler = createSampler(config.sampler, config.ratio);
    this.parent = parseTraceparent(config.traceparent);
  }

  private fail(err: unknown): void {
    this.errors++;
    this.firstError ??= err;
  }

  startSpan(name: string, attributes: Record<string, AttrValue> = {}): OperationSpan {
    try {
      const traceId = this.parent?.traceId ?? newTraceId();
      const decision = this.sampler.shouldSample(traceId, this.parent);
      const attrs: Record<string, AttrValue> = { ...attributes };
      const start = wallClockNs();
      const t0 = monotonicMs();
      let ended = false;
      return {
        setAttribute: (key, value) => {
          attrs[key] = value;
        },
        end: (errorCode?: string) => {
          if (ended) return;
          ended = true;
          try {
            const durationMs = monotonicMs() - t0;
            const critical = this.config.criticalAlways && (errorCode !== undefined || durationMs >= this.config.slowMs);
            if (!decision.sampled && !critical) return;
            if (errorCode !== undefined) attrs['error.code'] = errorCode;
            const record: SpanRecord = {
              v: 1,
              traceId,
              spanId: newSpanId(),
              ...(this.parent ? { parentSpanId: this.parent.spanId } : {}),
              name,
              kind: 0,
              startTimeUnixNano: String(start),
              endTimeUnixNano: String(start + BigInt(Math.round(durationMs * 1e6))),
              durationMs: Math.round(durationMs * 1000) / 1000,
              status: errorCode === undefined ? { code: 1 } : { code: 2, message: errorCode },
              attributes: attrs,
              // Critical spans are kept with certainty, so they weigh 1.
              sampleRate: critical ? 1 : decision.rate,
              ...(critical && !decision.sampled ? { critical: true } : {}),
              ...(this.config.tracestate ? { traceState: this.config.tracestate } : {}),
              resource: { 'service.name': this.config.serviceName, 'process.pid': process.pid },
            };
            const r = appendRecord(this.paths, this.config.journal, encodeFrame(record));
            this.wrote = true;
            if (r.rotated) this.rotated = true;
          } catch (err) {
            this.fail(err);
          }
        },
      };
    } catch (err) {
      this.fail(err);
      return { setAttribute() {}, end() {} };
    }
  }

  shutdown(): Promise<void> {
    return (this.shutdownPromise ??= this.finish());
  }

  private async finish(): Promise<void> {
    if (!this.wrote) return;
    try {
      if (this.rotated || maintenanceDue(this.config.journal)) await maintainJournal(this.config.journal);
    } catch (err) {
      this.fail(err);
    }
    const exp = this.config.export;
    if (exp && exp.inlineBoundMs > 0) {
      try {
        const { shipJournal } = await import('./shipJournal.js');
        await shipJournal(this.config, { boundMs: exp.inlineBoundMs, maxSpans: exp.maxInlineSpans, waitForLock: false });
      } catch (err) {
        this.fail(err);
      }
    }
  }
}
