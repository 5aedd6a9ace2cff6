/**
 * Timestamps in SwarmSH's format: ISO-8601 UTC to the second (`2026-11-23T10:00:00Z`), so that
 * jq's `fromdateiso8601` keeps working on them.
 */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Full ISO-8601 with milliseconds, for lease and retry deadlines (sub-second TTLs in tests). */
export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}
