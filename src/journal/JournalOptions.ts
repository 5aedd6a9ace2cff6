/** Settings of the journal; resolved from the environment by telemetry/resolveTelemetryConfig. */
export interface JournalOptions {
  /** Journal root (TELEMETRY_DIR). */
  dir: string;
  /** fsync policy (WAL_SYNC_INTERVAL): 0 = every record, N = at most every N ms across all writers, -1 = never. Default 1000. */
  syncIntervalMs: number;
  /** Rotate the WAL once it holds this many bytes (JOURNAL_ROTATION_MB). Default 16 MiB. */
  rotationBytes: number;
  /** Rotate the WAL once it holds this many records, checked at maintenance (TELEMETRY_ARCHIVE_LINES). Default 100000. */
  archiveLines: number;
  /** gzip level 0..9 (COMPRESSION_LEVEL). Default 6. */
  compressionLevel: number;
  /** Compress segments older than this (JOURNAL_COMPRESSION_AGE_DAYS). Default 1 day. */
  compressionAgeMs: number;
  /** Delete segments older than this (JOURNAL_RETENTION_DAYS). Default 30 days. */
  retentionMs: number;
  /** Total bytes the journal may occupy (JOURNAL_MAX_MB). Default 1 GiB; at least 4 x rotationBytes. */
  maxBytes: number;
  /** Routine maintenance runs at most this often (JOURNAL_MAINTENANCE_INTERVAL_S). Default 300 s. */
  maintenanceIntervalMs: number;
  /** A rotated segment is only rewritten (gzip) once untouched this long (JOURNAL_SEAL_GRACE_MS). Default 60 s. */
  sealGraceMs: number;
}

export const DAY_MS = 86_400_000;

export const DEFAULT_JOURNAL_OPTIONS: Omit<JournalOptions, 'dir'> = {
  syncIntervalMs: 1000,
  rotationBytes: 16 * 1024 * 1024,
  archiveLines: 100_000,
  compressionLevel: 6,
  compressionAgeMs: DAY_MS,
  retentionMs: 30 * DAY_MS,
  maxBytes: 1024 * 1024 * 1024,
  maintenanceIntervalMs: 300_000,
  sealGraceMs: 60_000,
};
