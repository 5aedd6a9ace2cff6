/** Helpers that drive the real built CLI as separate OS processes. */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/** SWARMFILE_TEST_CLI runs the tests against another build (e.g. an older commit's, to see a test fail). */
export const CLI = process.env.SWARMFILE_TEST_CLI ?? join(ROOT, 'dist/coordination_helper.cjs');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'swarmfile-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Env for a test store: its own dir, telemetry off the default dir. Dead lock holders are taken
 * over at once whatever LOCK_STALE_MS says; it only decides when a live but silent holder counts as
 * hung, and on a loaded machine that must stay far above any scheduling delay.
 */
export function storeEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    COORDINATION_DIR: dir,
    TELEMETRY_DIR: join(dir, '..', `${dir.split('/').pop()}-telemetry`),
    LOCK_STALE_MS: '20000',
    // Only a claim's owner may progress or complete it, so test agents need a stable identity.
    AGENT_ID: 'test_agent',
    ...extra,
  };
}

export function runSync(args: string[], env: Record<string, string>, input?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

/** A digest of every file (name + bytes) below dir, to prove "nothing was written". */
export function snapshot(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        h.update(`dir:${p}\n`);
        walk(p);
      } else {
        h.update(`file:${p}:${st.size}\n`);
        h.update(readFileSync(p));
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}
