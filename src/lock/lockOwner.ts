/**
 * Who holds a lock, and what a waiter may do about it. The identity is exact: pid, the process's
 * start time (pids are reused), host and boot id (a reboot ends every holder), written into the
 * lock atomically with its creation (lockDir.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { currentHost, processAlive, processStartTime } from '../model/processIdentity.js';

export interface LockOwner {
  pid: number;
  start: number | null;
  host: string;
  boot: string | null;
  token: string;
}

let bootId: string | null | undefined;
function currentBoot(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

let selfStart: number | null | undefined;

/** A fresh identity for one acquisition by this process: the token is unique per acquisition. */
export function newOwner(): LockOwner {
  selfStart ??= processStartTime(process.pid);
  const token = `${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
  return { pid: process.pid, start: selfStart, host: currentHost(), boot: currentBoot(), token };
}

export function parseOwner(content: string | null): LockOwner | null {
  if (content === null) return null;
  try {
    const o = JSON.parse(content) as LockOwner;
    return Number.isInteger(o?.pid) && typeof o.host === 'string' ? o : null;
  } catch {
    return null;
  }
}

/**
 * - `dead`: the holder certainly ended (no such process, a different process under its pid, a
 *   zombie, or an earlier boot). Its lock may be removed at once.
 * - `alive`: it runs on this host (possibly this very process).
 * - `unknown`: another host, or an unreadable record: only its silence can be judged.
 */
export type Holder = 'dead' | 'alive' | 'unknown';

export function judgeOwner(owner: LockOwner | null): Holder {
  if (!owner) return 'unknown';
  if (owner.host !== currentHost()) return 'unknown';
  const boot = currentBoot();
  if (owner.boot && boot && owner.boot !== boot) return 'dead';
  const alive = processAlive(owner.pid, owner.host, owner.start);
  return alive === false ? 'dead' : alive === true ? 'alive' : 'unknown';
}
