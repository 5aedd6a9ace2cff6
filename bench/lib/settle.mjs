// @ts-check
/**
 * "Settled", from Linux /proc: every given process has gone quiet (no CPU for a while) and each
 * watcher holds an inotify descriptor, so an add is timed against waiters that are really waiting.
 * Without /proc it just sleeps.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const PROC = existsSync('/proc/self/task') && existsSync(`/proc/self/task/${process.pid}/schedstat`);

/**
 * CPU time of every thread of `pid`, ms (schedstat is in ns); null when unreadable.
 * @param {number | undefined} pid
 */
function cpuMs(pid) {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` holds an inotify descriptor (a file watcher is open).
 * @param {number | undefined} pid
 */
function hasInotify(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Waits until every process in `pids` has used under 0.5 ms of CPU per 25 ms for `quietMs` and each
 * of `watchers` has an inotify descriptor. Without /proc it just sleeps. Returns false on timeout.
 * @param {(number | undefined)[]} pids  (undefined: a child that never started, never busy)
 * @param {{ watchers?: (number | undefined)[], quietMs?: number, maxMs?: number }} [options]
 */
export async function settle(pids, { watchers = [], quietMs = 150, maxMs = 15_000 } = {}) {
  if (!PROC) {
    await sleep(800);
    return true;
  }
  const end = performance.now() + maxMs;
  let last = pids.map(cpuMs);
  let quietSince = performance.now();
  while (performance.now() < end) {
    await sleep(25);
    const now = pids.map(cpuMs);
    const busy = now.some((v, i) => v !== null && last[i] !== null && v - last[i] > 0.5) || !watchers.every(hasInotify);
    last = now;
    if (busy) quietSince = performance.now();
    else if (performance.now() - quietSince >= quietMs) return true;
  }
  return false;
}
