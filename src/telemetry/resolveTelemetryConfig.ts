/**
 * Telemetry and export settings, read from an environment snapshot through the settings table
 * (settings.ts); config.ts calls it once per configuration, with the environment it was given.
 */
import { DAY_MS, type JournalOptions } from '../journal/JournalOptions.js';
import { rawSetting, readSetting, settingKey, type Env } from '../readSetting.js';
import { SETTINGS, type SettingName } from '../settings.js';

export const SAMPLER_NAMES = SETTINGS.OTEL_TRACES_SAMPLER.choices;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface ExportConfig {
  /** Full traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, `k=v,k2=v2`. */
  headers: Record<string, string>;
  /** Per-request timeout, OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT ms. */
  timeoutMs: number;
  /** OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION: gzip | none. */
  compression: 'gzip' | 'none';
  /** Spans per request, OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
  batchSize: number;
  /** Most spans one CLI call ships inline, OTEL_BSP_MAX_QUEUE_SIZE. */
  maxInlineSpans: number;
  /** Per-batch bound for `telemetry ship`, OTEL_BSP_EXPORT_TIMEOUT ms. */
  shipBatchTimeoutMs: number;
  /** Whole-call bound on inline export in a CLI call (load + send), TELEMETRY_EXPORT_BOUND_MS. */
  inlineBoundMs: number;
}

export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: no spans, no journal, no export. */
  disabled: boolean;
  /** OTEL_TRACES_SAMPLER. */
  sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, alias TELEMETRY_SAMPLE_RATE: ratio 0..1 for *traceidratio. */
  ratio: number;
  /** SAMPLING_CRITICAL_ALWAYS: keep failed and slow spans whatever the sampler says. */
  criticalAlways: boolean;
  /** TELEMETRY_SLOW_MS: an operation at least this slow is critical. */
  slowMs: number;
  /** TRACEPARENT / TRACESTATE (W3C trace-context) of the caller. */
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** OTEL_SERVICE_NAME. */
  serviceName: string;
  journal: JournalOptions;
  /** Present when an OTLP endpoint is configured and OTEL_TRACES_EXPORTER is not none. */
  export: ExportConfig | undefined;
  warnings: string[];
}

/**
 * Telemetry settings from `env`. Pure, and never throws: an invalid value is listed in `warnings`
 * and its default (settings.ts) used.
 */
export function resolveTelemetryConfig(env: Env, dir: string): TelemetryConfig {
  const warnings: string[] = [];
  const read = <N extends SettingName>(name: N) => readSetting(env, name, warnings);
  const rateKey = rawSetting(env, 'OTEL_TRACES_SAMPLER_ARG') !== undefined ? 'OTEL_TRACES_SAMPLER_ARG' : 'TELEMETRY_SAMPLE_RATE';
  const ratio = read(rateKey);
  const sampler = (read('OTEL_TRACES_SAMPLER') ?? (rawSetting(env, rateKey) !== undefined ? 'parentbased_traceidratio' : 'parentbased_always_on')) as SamplerName;

  const syncRaw = rawSetting(env, 'WAL_SYNC_INTERVAL')?.toLowerCase();
  const syncIntervalMs = syncRaw === 'always' || syncRaw === 'record' ? 0 : syncRaw === 'never' || syncRaw === 'off' ? -1 : read('WAL_SYNC_INTERVAL');

  const MB = 1024 * 1024;
  const rotationBytes = Math.round(read('JOURNAL_ROTATION_MB') * MB);
  let maxBytes = Math.round(read('JOURNAL_MAX_MB') * MB);
  if (maxBytes < 4 * rotationBytes) {
    warnings.push(`JOURNAL_MAX_MB must be at least 4 x JOURNAL_ROTATION_MB; using ${(4 * rotationBytes) / MB}`);
    maxBytes = 4 * rotationBytes;
  }
  const journal: JournalOptions = {
    dir,
    syncIntervalMs,
    rotationBytes,
    archiveLines: Math.round(read('TELEMETRY_ARCHIVE_LINES')),
    compressionLevel: Math.round(read('COMPRESSION_LEVEL')),
    compressionAgeMs: read('JOURNAL_COMPRESSION_AGE_DAYS') * DAY_MS,
    retentionMs: read('JOURNAL_RETENTION_DAYS') * DAY_MS,
    maxBytes,
    maintenanceIntervalMs: read('JOURNAL_MAINTENANCE_INTERVAL_S') * 1000,
    sealGraceMs: read('JOURNAL_SEAL_GRACE_MS'),
  };

  let exportConfig: ExportConfig | undefined;
  const tracesUrl = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseUrl = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  if ((tracesUrl || baseUrl) && read('OTEL_TRACES_EXPORTER') !== 'none') {
    const proto = rawSetting(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
    if (proto !== undefined && proto !== 'http/json') warnings.push(`${settingKey(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')}=${proto}: only http/json is sent (exporter-trace-otlp-http)`);
    const headers: Record<string, string> = {};
    for (const part of (read('OTEL_EXPORTER_OTLP_HEADERS') ?? '').split(',')) {
      const i = part.indexOf('=');
      if (i > 0) headers[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
    }
    exportConfig = {
      url: tracesUrl ?? `${baseUrl!.replace(/\/+$/, '')}/v1/traces`,
      headers,
      timeoutMs: read('OTEL_EXPORTER_OTLP_TIMEOUT'),
      compression: read('OTEL_EXPORTER_OTLP_COMPRESSION') === 'gzip' ? 'gzip' : 'none',
      batchSize: Math.round(read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE')),
      maxInlineSpans: Math.round(read('OTEL_BSP_MAX_QUEUE_SIZE')),
      shipBatchTimeoutMs: read('OTEL_BSP_EXPORT_TIMEOUT'),
      inlineBoundMs: read('TELEMETRY_EXPORT_BOUND_MS'),
    };
  }

  return {
    disabled: read('OTEL_SDK_DISABLED'),
    sampler,
    ratio,
    criticalAlways: read('SAMPLING_CRITICAL_ALWAYS'),
    slowMs: read('TELEMETRY_SLOW_MS'),
    traceparent: read('TRACEPARENT'),
    tracestate: read('TRACESTATE'),
    serviceName: read('OTEL_SERVICE_NAME'),
    journal,
    export: exportConfig,
    warnings,
  };
}
