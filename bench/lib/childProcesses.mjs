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
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Every child this part started and that has not exited yet: killed if the part fails midway. */
const live = new Set();

/** Kills every child still running (after a failure midway); returns how many. */
export function killLiveChildren() {
  for (const child of live) child.kill('SIGKILL');
  return live.size;
}

function track(child) {
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

/** A child speaking JSON Lines on stdout; `waitFor` takes the first unconsumed matching event. */
export function spawnJsonl(label, argv, env) {
  const child = track(spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] }));
  const events = [];
  const listeners = new Set();
  const notify = () => [...listeners].forEach((l) => l());
  let stderr = '';
  let exited = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    let ev;
    try {
      ev = JSON.parse(line);
    } catch {
      ev = { event: 'text', line };
    }
    ev.recvAt = performance.now();
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
    send: (msg) => child.stdin.write(`${typeof msg === 'string' ? msg : JSON.stringify(msg)}\n`),
    waitFor(pred, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
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

/** A bench/children/queueAgents.mjs process (library agents) with `spec`. */
export const spawnQueueHelper = (label, spec, env) => spawnJsonl(label, [process.execPath, HELPER, JSON.stringify({ library: LIBRARY, ...spec })], env);

/** A CLI `claim-next --wait` process; records when its id line reaches us and when it exits. */
export function spawnCliWaiter(agent, env, waitSeconds) {
  const child = track(spawn(process.execPath, [CLI, 'claim-next', '--wait', String(waitSeconds)], { env: { ...env, AGENT_ID: agent }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const w = { agent, child, pid: child.pid, out: '', outAt: null, id: null, exitAt: null, code: null, stderr: '' };
  child.stdout.on('data', (d) => {
    w.out += d;
    if (w.outAt === null && w.out.includes('\n')) {
      w.outAt = performance.now();
      w.id = w.out.trim().split('\n')[0];
    }
  });
  child.stderr.on('data', (d) => (w.stderr += d));
  w.closed = new Promise(/** @param {(v?: unknown) => void} resolve */ (resolve) =>
    child.on('close', (code, signal) => {
      w.exitAt = performance.now();
      w.code = code ?? (signal ? 128 : -1);
      resolve();
    }),
  );
  return w;
}

/** Polls `pred` until it returns something truthy (returned) or `timeoutMs` passes (null). */
export async function until(pred, timeoutMs, pollMs = 2) {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (performance.now() > end) return null;
    await sleep(pollMs);
  }
}
