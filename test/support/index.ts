/**
 * The one test support module: where the repository and the built CLI are, temp directories that
 * are removed after each test file (test/support/setup.ts), running the CLI and Node scripts as
 * real OS processes with one result shape, and a digest that proves "nothing was written".
 * The store-invariant checker is test/support/storeInvariants.mjs (shared with the benchmarks).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
/** SWARMFILE_TEST_CLI runs the tests against another build (e.g. an older commit's, to see a test fail). */
export const CLI = process.env.SWARMFILE_TEST_CLI ?? join(DIST, 'coordination_helper.cjs');
/** Scripts the tests run as child processes (agents, lock holders, workers). */
export const WORKERS = join(ROOT, 'test/support/workers');

/** Child processes run the built code; `make test` builds first. */
export function requireBuild(): void {
  if (!existsSync(CLI) || !existsSync(join(DIST, 'index.js'))) throw new Error('dist/ is missing: run `make build` first');
}

const made = new Set<string>();

/** A fresh directory under the OS temp dir, removed after the test file (SWARMFILE_KEEP_TEMP=1 keeps it). */
export function tempDir(prefix = 'swarmfile-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Removes every temp dir this test file made; one still mounted (a tmpfs) or busy is left and named. */
export function removeTempDirs(): string[] {
  const left: string[] = [];
  if (process.env.SWARMFILE_KEEP_TEMP === '1') return [...made];
  for (const dir of made) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      made.delete(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}

/** How a child process ended and what it printed. `code` is null when a signal ended it. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
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

/** The environment a child gets: exactly `env`, plus PATH when `env` has none. */
const childEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', ...env });

/** Runs the CLI and waits for it; `input` is its stdin. */
export function runSync(args: string[], env: Record<string, string>, input?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: childEnv(env), encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI without blocking the test's event loop (for concurrent calls). */
export function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolveRun({ code, signal, stdout, stderr }));
  });
}

/** Runs a Node script of the repository (path relative to ROOT) with the test's environment plus `env`. */
export function runNode(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** The benchmark suite, quietly. About a minute on an idle machine; the bound is for a busy one. */
export function runBench(args: string[], env: Record<string, string> = {}): CliResult {
  return runNode('bench/run.mjs', ['--quiet', ...args], env, 900_000);
}

export const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

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

/**
 * `coordination_helper audit` of the store in `env` passes: the change log agrees with the store
 * (issue 10), beside the test's own ledger checks. Fails with the discrepancies it lists.
 */
export function expectAudit(env: Record<string, string>): void {
  const r = runSync(['--json', 'audit'], env);
  if (r.code !== 0) throw new Error(`audit failed (exit ${r.code ?? r.signal}): ${r.stdout.slice(0, 3000)}\n${r.stderr.slice(0, 1000)}`);
}
