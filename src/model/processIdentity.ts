/**
 * Who is running, and is a recorded process still alive? A claim records pid, host and (on Linux)
 * the process's start time, because a bare pid can be reused by an unrelated process.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

let host: string | undefined;
export function currentHost(): string {
  return (host ??= hostname());
}

/** Start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null where unknown. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch {
    return null;
  }
}

/**
 * true: alive; false: certainly gone (no such pid, or the pid now belongs to a process started
 * later); null: cannot tell (another host, or no pid recorded).
 */
export function processAlive(pid: number | null | undefined, onHost: string | null | undefined, startTime?: number | null): boolean | null {
  if (!pid || !onHost || onHost !== currentHost()) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to another user.
  }
  if (startTime != null) {
    const now = processStartTime(pid);
    if (now !== null && now !== startTime) return false;
  }
  return true;
}
