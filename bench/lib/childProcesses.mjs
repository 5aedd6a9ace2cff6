// @ts-check
/**
 * The benchmark's child processes: JSON Lines helpers (spawnJsonl, spawnQueueHelper for
 * bench/children/queueAgents.mjs), CLI `claim-next --wait` waiters, and a registry of every child
 * still running so a failed part can kill what it started (killLiveChildren).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, LIBRARY, ROOT } from './targets.mjs';

const HELPER = join(ROOT, 'bench/children/queueAgents.mjs');
/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An event a child printed on stdout: one parsed JSON object, so its fields are whatever the child
 * sent (see bench/children/queueAgents.mjs), or {event: 'text', line} for a line that is not JSON.
 * `recvAt` is when it reached this process (performance.now()); `taken` once a waitFor consumed it.
 * @typedef {{ event: string, [field: string]: any }} ChildEvent
 * @typedef {ChildEvent & { recvAt: number, taken?: boolean }} JsonlEvent
 */

/** @typedef {{ code: number | null, signal: NodeJS.Signals | null }} Exit */

/** @typedef {ReturnType<typeof spawnJsonl>} JsonlChild */

/**
 * A CLI `claim-next --wait` process: when its id line came (`outAt`, performance.now()) and when it
 * exited (`exitAt`, `code`); `closed` settles on exit.
 * @typedef {{ agent: string, child: import('node:child_process').ChildProcess, pid: number | undefined, out: string, outAt: number | null, id: string | null, exitAt: number | null, code: number | null, stderr: string, closed: Promise<void> }} CliWaiter
 */

/**
 * Every child this part started and that has not exited yet: killed if the part fails midway.
 * @type {Set<import('node:child_process').ChildProcess>}
 */
const live = new Set();

/** Kills every child still running (after a failure midway); returns how many. */
export function killLiveChildren() {
  for (const child of live) child.kill('SIGKILL');
  return live.size;
}

/**
 * @template {import('node:child_process').ChildProcess} C
 * @param {C} child
 * @returns {C}
 */
function track(child) {
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

/**
 * A child speaking JSON Lines on stdout; `waitFor` takes the first unconsumed matching event.
 * @param {string} label
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 */
export function spawnJsonl(label, argv, env) {
  const child = track(spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  /** @type {JsonlEvent[]} */
  const events = [];
  /** @type {Set<() => void>} */
  const listeners = new Set();
  const notify = () => [...listeners].forEach((l) => l());
  let stderr = '';
  /** @type {Exit | null} */
  let exited = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    /** @type {ChildEvent} parsed JSON from the child */
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = { event: 'text', line };
    }
    const ev = Object.assign(parsed, { recvAt: performance.now() });
    events.push(ev);
    notify();
  });
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.on('error', () => undefined);
  child.on('close', (code, signal) => {
    exited = { code, signal };
    notify();
  });
  return {
    label,
    child,
    pid: child.pid,
    events,
    get exited() {
      return exited;
    },
    get stderr() {
      return stderr;
    },
    /** @param {string | object} msg a line, or an object sent as JSON */
    send: (msg) => child.stdin.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`),
    /**
     * @param {(e: JsonlEvent) => boolean} pred
     * @returns {Promise<JsonlEvent>}
     */
    waitFor(pred, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        /** @type {NodeJS.Timeout | undefined} */
        let timer;
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          const ev = events.find((e) => !e.taken && pred(e));
          if (ev) {
            ev.taken = true;
            done();
            resolve(ev);
          } else if (exited) {
            done();
            reject(new Error(`${label} exited (${exited.code ?? exited.signal}) before the awaited event: ${stderr.trim().slice(-1500)}`));
          }
        };
        timer = setTimeout(() => {
          done();
          reject(new Error(`${label}: no awaited event within ${timeoutMs} ms: ${stderr.trim().slice(-1500)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    /** @returns {Promise<Exit | null>} */
    async exit(timeoutMs = 10_000) {
      if (exited) return exited;
      this.send({ op: 'exit' });
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await new Promise((r) => child.once('close', r));
      clearTimeout(t);
      return exited;
    },
  };
}

/**
 * A bench/children/queueAgents.mjs process (library agents) with `spec` (its modes are described there).
 * @param {string} label
 * @param {{ mode: 'agents' | 'latency' | 'seed' | 'serve' } & Record<string, unknown>} spec
 * @param {NodeJS.ProcessEnv} env
 */
export const spawnQueueHelper = (label, spec, env) => spawnJsonl(label, [process.execPath, HELPER, JSON.stringify({ library: LIBRARY, ...spec })], env);

/**
 * A CLI `claim-next --wait` process; records when its id line reaches us and when it exits.
 * @param {string} agent
 * @param {NodeJS.ProcessEnv} env
 * @param {number} waitSeconds
 */
export function spawnCliWaiter(agent, env, waitSeconds) {
  const child = track(spawn(process.execPath, [CLI, 'claim-next', '--wait', String(waitSeconds)], { env: { ...env, AGENT_ID: agent }, stdio: ['ignore', 'pipe', 'pipe'] }));
  // `closed` is set just below, once `w` exists for its handler.
  const w = /** @type {CliWaiter} */ ({ agent, child, pid: child.pid, out: '', outAt: null, id: null, exitAt: null, code: null, stderr: '' });
  child.stdout.on('data', (d) => {
    w.out += d;
    if (w.outAt === null && w.out.includes('\n')) {
      w.outAt = performance.now();
      w.id = w.out.trim().split('\n')[0];
    }
  });
  child.stderr.on('data', (d) => (w.stderr += d));
  w.closed = new Promise((resolve) =>
    child.on('close', (code, signal) => {
      w.exitAt = performance.now();
      w.code = code ?? (signal ? 128 : -1);
      resolve();
    }),
  );
  return w;
}

/**
 * Polls `pred` until it returns something truthy (returned) or `timeoutMs` passes (null).
 * @template T
 * @param {() => T} pred
 * @param {number} timeoutMs
 * @returns {Promise<T | null>}
 */
export async function until(pred, timeoutMs, pollMs = 2) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (performance.now() > end) return null;
    await sleep(pollMs);
  }
}
