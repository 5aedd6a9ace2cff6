/**
 * The only importer of the OTLP exporter, loaded with import() so a run without an endpoint never
 * pays for it. Each send is bounded: a slow or dead collector costs at most `timeoutMs`.
 */
import type { ExportConfig } from './resolveTelemetryConfig.js';
import type { ReadableSpanLike } from './toReadableSpan.js';

export interface OtlpSender {
  /** True when the collector acknowledged the batch within `timeoutMs`. Never rejects. */
  send(spans: ReadableSpanLike[], timeoutMs: number): Promise<boolean>;
  close(): void;
}

export async function createOtlpSender(exp: ExportConfig, timeoutMs: number): Promise<OtlpSender> {
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const exporter = new OTLPTraceExporter({
    url: exp.url,
    headers: exp.headers,
    timeoutMillis: Math.max(1, Math.round(timeoutMs)),
    compression: exp.compression as never,
    // No idle socket may keep a finished CLI process alive.
    keepAlive: false,
  });
  return {
    send(spans, ms) {
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), Math.max(1, ms));
        timer.unref();
        try {
          exporter.export(spans, (result) => {
            clearTimeout(timer);
            resolve(result.code === 0);
          });
        } catch {
          clearTimeout(timer);
          resolve(false);
        }
      });
    },
    close() {
      exporter.shutdown().catch(() => undefined);
    },
  };
}
