/** Settings of the journal; resolved from the environment by telemetry/resolveTelemetryConfig. */
import { SETTINGS } from '../settings.js';

export interface JournalOptions {
  /** Journal root (TELEMETRY_DIR). */
  dir: string;
  /** fsync policy (WAL_SYNC_INTERVAL): 0 = every record, N = at most every N ms across all writers, -1 = never. */
  syncIntervalMs: number;
  /** Rotate the WAL once it holds this many bytes (JOURNAL_ROTATION_MB). */
  rotationBytes: number;
  /** Rotate the WAL once it holds this many records, checked at maintenance (TELEMETRY_ARCHIVE_LINES). */
  archiveLines: number;
  /** gzip level 0..9 (COMPRESSION_LEVEL). */
  compressionLevel: number;
  /** Compress segments older than this (JOURNAL_COMPRESSION_AGE_DAYS). */
  compressionAgeMs: number;
  /** Delete segments older than this (JOURNAL_RETENTION_DAYS). */
  retentionMs: number;
  /** Total bytes the journal may occupy (JOURNAL_MAX_MB). */
  maxBytes: number;
  /** Routine maintenance runs at most this often (JOURNAL_MAINTENANCE_INTERVAL_S). */
  maintenanceIntervalMs: number;
  /** A rotated segment is only rewritten (gzip) once untouched this long (JOURNAL_SEAL_GRACE_MS). */
  sealGraceMs: number;
}

export const DAY_MS = 86_400_000;

const MB = 1024 * 1024;

/** The journal's defaults, from the settings table. */
export const DEFAULT_JOURNAL_OPTIONS: Omit<JournalOptions, 'dir'> = {
  syncIntervalMs: SETTINGS.WAL_SYNC_INTERVAL.default,
  rotationBytes: SETTINGS.JOURNAL_ROTATION_MB.default * MB,
  archiveLines: SETTINGS.TELEMETRY_ARCHIVE_LINES.default,
  compressionLevel: SETTINGS.COMPRESSION_LEVEL.default,
  compressionAgeMs: SETTINGS.JOURNAL_COMPRESSION_AGE_DAYS.default * DAY_MS,
  retentionMs: SETTINGS.JOURNAL_RETENTION_DAYS.default * DAY_MS,
  maxBytes: SETTINGS.JOURNAL_MAX_MB.default * MB,
  maintenanceIntervalMs: SETTINGS.JOURNAL_MAINTENANCE_INTERVAL_S.default * 1000,
  sealGraceMs: SETTINGS.JOURNAL_SEAL_GRACE_MS.default,
};
