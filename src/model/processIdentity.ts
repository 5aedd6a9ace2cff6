/**
 * Who is running, and is a recorded process still alive? A claim records pid, host and (on Linux)
 * the process's start time, because a bare pid can be reused by an unrelated process.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

function readProc(pid: number, what: 'stat' | 'cmdline'): string | null {
  try {
    return readFileSync(`/proc/${pid}/${what}`, 'utf8');
  } catch {
    return null;
  }
}

/** The pipe inode behind a process's stdout (`pipe:[123]`), or null when stdout is not a pipe. */
function stdoutPipe(pid: number): string | null {
  try {
    const link = readlinkSync(`/proc/${pid}/fd/1`);
    return link.startsWith('pipe:') ? link : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` holds the reading end of `pipe` (as a shell does for `$(...)`). Both ends of a
 * pipe show the same `pipe:[inode]`; the open flags in fdinfo tell the reader (O_RDONLY) from a
 * writer such as a parent whose own stdout is that pipe.
 */
function readsPipe(pid: number, pipe: string): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== pipe) continue;
        const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (flags && (parseInt(flags[1]!, 8) & 3) === 0) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    /* not ours to read */
  }
  return false;
}

/**
 * The process that stands for the agent, starting from `pid` (the CLI's parent). A shell runs
 * `$(...)` substitutions and pipelines in forked subshells that exit right after; such a subshell
 * has its parent's command line and writes its output into a pipe that its parent reads. Only
 * those are looked through: a long-lived worker subshell (`worker &`, a bash function run in the
 * background) has its parent's command line too, but its output goes where the parent's goes,
 * so it is the agent itself, and killing it is detected. Without /proc, `pid` itself.
 */
export function agentProcess(pid: number): number {
  let current = pid;
  for (let depth = 0; depth < 16; depth++) {
    const stat = readProc(current, 'stat');
    const parent = stat ? Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) : Number.NaN;
    if (!(parent > 1)) break;
    const mine = readProc(current, 'cmdline');
    if (!mine || mine !== readProc(parent, 'cmdline')) break;
    const pipe = stdoutPipe(current);
    if (!pipe || !readsPipe(parent, pipe)) break;
    current = parent;
  }
  return current;
}

/**
 * true: alive; false: certainly gone (no such pid, or the pid now belongs to a process started
 * later); null: cannot tell (another host, or no pid recorded). `localHost` is the host this
 * process answers for (AGENT_HOST for claims; the machine's name for locks).
 */
export function processAlive(pid: number | null | undefined, onHost: string | null | undefined, startTime?: number | null, localHost: string = currentHost()): boolean | null {
  if (!pid || !onHost || onHost !== localHost) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it exists but belongs to another user.
  }
  const stat = readProc(pid, 'stat');
  // A zombie (Z) or dying (X) process has run its last instruction: it can write nothing more.
  if (stat && /^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2))) return false;
  if (startTime != null) {
    const now = processStartTime(pid);
    if (now !== null && now !== startTime) return false;
  }
  return true;
}
