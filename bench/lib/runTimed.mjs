// @ts-check
/** Runs one command and times it from spawn to exit with the monotonic clock. */
import { spawn } from 'node:child_process';

/**
 * @param {string[]} argv
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number }} [options]
 * @returns {Promise<import('../types.js').Timed>}
 */
export function runTimed(argv, { env = process.env, cwd, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let stdout = '';
    let stderr = '';
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ ms: performance.now() - t0, code: -1, stdout, stderr: String(err) });
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => (stderr += String(err)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - t0, code: code ?? (signal ? 128 : -1), signal, stdout, stderr });
    });
  });
}

/**
 * Runs a command to completion and returns stdout, throwing with stderr on failure.
 * @param {string[]} argv
 * @param {Parameters<typeof runTimed>[1]} [opts]
 */
export async function runOrThrow(argv, opts) {
  const r = await runTimed(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(0, 2000)}`);
  return r.stdout;
}
