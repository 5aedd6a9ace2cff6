/**
 * Telemetry settings from an environment snapshot (config.env). Pure: the caller hands the
 * environment in; nothing here reads process.env. Invalid values never throw (telemetry must not
 * fail a command): they fall back to the default and are listed in `warnings`.
 */
import { DAY_MS, DEFAULT_JOURNAL_OPTIONS, type JournalOptions } from '../journal/JournalOptions.js';

export const SAMPLER_NAMES = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLER_NAMES)[number];

export interface ExportConfig {
  /** Full traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
  url: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, `k=v,k2=v2`. */
  headers: Record<string, string>;
  /** Per-request timeout, OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT ms. Default 10000. */
  timeoutMs: number;
  /** OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION: gzip | none. Default none. */
  compression: 'gzip' | 'none';
  /** Spans per request, OTEL_BSP_MAX_EXPORT_BATCH_SIZE. Default 512. */
  batchSize: number;
  /** Most spans one CLI call ships inline, OTEL_BSP_MAX_QUEUE_SIZE. Default 2048. */
  maxInlineSpans: number;
  /** Per-batch bound for `telemetry ship`, OTEL_BSP_EXPORT_TIMEOUT ms. Default 30000. */
  shipBatchTimeoutMs: number;
  /** Whole-call bound on inline export in a CLI call (load + send), TELEMETRY_EXPORT_BOUND_MS. Default 500; 0 = ship only. */
  inlineBoundMs: number;
}

export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: no spans, no journal, no export. Default false. */
  disabled: boolean;
  /** OTEL_TRACES_SAMPLER. Default parentbased_always_on (parentbased_traceidratio when only a rate is given). */
  sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, alias TELEMETRY_SAMPLE_RATE: ratio 0..1 for *traceidratio. Default 1. */
  ratio: number;
  /** SAMPLING_CRITICAL_ALWAYS: keep failed and slow spans whatever the sampler says. Default true. */
  criticalAlways: boolean;
  /** TELEMETRY_SLOW_MS: an operation at least this slow is critical. Default 1000. */
  slowMs: number;
  /** TRACEPARENT / TRACESTATE (W3C trace-context) of the caller. */
  traceparent: string | undefined;
  tracestate: string | undefined;
  /** OTEL_SERVICE_NAME. Default swarmfile. */
  serviceName: string;
  journal: JournalOptions;
  /** Present when an OTLP endpoint is configured and OTEL_TRACES_EXPORTER is not none. */
  export: ExportConfig | undefined;
  warnings: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveTelemetryConfig(env: Env, dir: string): TelemetryConfig {
  const warnings: string[] = [];
  const get = (k: string) => {
    const v = env[k];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const num = (k: string, def: number, min: number, max: number): number => {
    const raw = get(k);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      warnings.push(`${k}=${JSON.stringify(raw)} ignored: must be a number from ${min} to ${max}; using ${def}`);
      return def;
    }
    return n;
  };
  const bool = (k: string, def: boolean): boolean => {
    const raw = get(k);
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    warnings.push(`${k}=${JSON.stringify(raw)} ignored: must be true or false; using ${def}`);
    return def;
  };
  const either = (specific: string, general: string) => (get(specific) !== undefined ? specific : general);

  const rateKey = get('OTEL_TRACES_SAMPLER_ARG') !== undefined ? 'OTEL_TRACES_SAMPLER_ARG' : 'TELEMETRY_SAMPLE_RATE';
  const ratio = num(rateKey, 1, 0, 1);
  let sampler: SamplerName = get(rateKey) !== undefined ? 'parentbased_traceidratio' : 'parentbased_always_on';
  const samplerRaw = get('OTEL_TRACES_SAMPLER')?.toLowerCase();
  if (samplerRaw !== undefined) {
    if ((SAMPLER_NAMES as readonly string[]).includes(samplerRaw)) sampler = samplerRaw as SamplerName;
    else warnings.push(`OTEL_TRACES_SAMPLER=${JSON.stringify(samplerRaw)} is not supported; using ${sampler}`);
  }

  let syncIntervalMs = DEFAULT_JOURNAL_OPTIONS.syncIntervalMs;
  const syncRaw = get('WAL_SYNC_INTERVAL')?.toLowerCase();
  if (syncRaw === 'always' || syncRaw === 'record') syncIntervalMs = 0;
  else if (syncRaw === 'never' || syncRaw === 'off') syncIntervalMs = -1;
  else if (syncRaw !== undefined) syncIntervalMs = num('WAL_SYNC_INTERVAL', syncIntervalMs, -1, 86_400_000);

  const MB = 1024 * 1024;
  const rotationBytes = Math.round(num('JOURNAL_ROTATION_MB', DEFAULT_JOURNAL_OPTIONS.rotationBytes / MB, 0.001, 4096) * MB);
  let maxBytes = Math.round(num('JOURNAL_MAX_MB', DEFAULT_JOURNAL_OPTIONS.maxBytes / MB, 0.001, 1_048_576) * MB);
  if (maxBytes < 4 * rotationBytes) {
    warnings.push(`JOURNAL_MAX_MB must be at least 4 x JOURNAL_ROTATION_MB; using ${(4 * rotationBytes) / MB}`);
    maxBytes = 4 * rotationBytes;
  }
  const journal: JournalOptions = {
    dir,
    syncIntervalMs,
    rotationBytes,
    archiveLines: Math.round(num('TELEMETRY_ARCHIVE_LINES', DEFAULT_JOURNAL_OPTIONS.archiveLines, 1, 1e9)),
    compressionLevel: Math.round(num('COMPRESSION_LEVEL', DEFAULT_JOURNAL_OPTIONS.compressionLevel, 0, 9)),
    compressionAgeMs: num('JOURNAL_COMPRESSION_AGE_DAYS', DEFAULT_JOURNAL_OPTIONS.compressionAgeMs / DAY_MS, 0, 36_500) * DAY_MS,
    retentionMs: num('JOURNAL_RETENTION_DAYS', DEFAULT_JOURNAL_OPTIONS.retentionMs / DAY_MS, 0, 36_500) * DAY_MS,
    maxBytes,
    maintenanceIntervalMs: num('JOURNAL_MAINTENANCE_INTERVAL_S', DEFAULT_JOURNAL_OPTIONS.maintenanceIntervalMs / 1000, 0, 86_400 * 365) * 1000,
    sealGraceMs: num('JOURNAL_SEAL_GRACE_MS', DEFAULT_JOURNAL_OPTIONS.sealGraceMs, 0, 86_400_000),
  };

  let exportConfig: ExportConfig | undefined;
  const tracesUrl = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseUrl = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporterName = get('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if ((tracesUrl || baseUrl) && exporterName !== 'none') {
    const protoKey = either('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL');
    const proto = get(protoKey);
    if (proto !== undefined && proto !== 'http/json') warnings.push(`${protoKey}=${proto}: only http/json is sent (exporter-trace-otlp-http)`);
    const headers: Record<string, string> = {};
    for (const part of (get(either('OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS')) ?? '').split(',')) {
      const i = part.indexOf('=');
      if (i > 0) headers[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
    }
    const compKey = either('OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_COMPRESSION');
    exportConfig = {
      url: tracesUrl ?? `${baseUrl!.replace(/\/+$/, '')}/v1/traces`,
      headers,
      timeoutMs: num(either('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_TIMEOUT'), 10_000, 1, 3_600_000),
      compression: get(compKey) === 'gzip' ? 'gzip' : 'none',
      batchSize: Math.round(num('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 100_000)),
      maxInlineSpans: Math.round(num('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000)),
      shipBatchTimeoutMs: num('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 3_600_000),
      inlineBoundMs: num('TELEMETRY_EXPORT_BOUND_MS', 500, 0, 60_000),
    };
  }

  return {
    disabled: bool('OTEL_SDK_DISABLED', false),
    sampler,
    ratio,
    criticalAlways: bool('SAMPLING_CRITICAL_ALWAYS', true),
    slowMs: num('TELEMETRY_SLOW_MS', 1000, 0, 86_400_000),
    traceparent: get('TRACEPARENT'),
    tracestate: get('TRACESTATE'),
    serviceName: get('OTEL_SERVICE_NAME') ?? 'swarmfile',
    journal,
    export: exportConfig,
    warnings,
  };
}
