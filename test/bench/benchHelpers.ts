/** Shared by the benchmark suite's tests: run bench scripts as real processes in temp dirs. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

export function tempDir(label: string): string {
  return mkdtempSync(join(os.tmpdir(), `swarmfile-${label}-`));
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runNode(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Ran {
  const r = spawnSync(process.execPath, [join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function runBench(args: string[], env: Record<string, string> = {}): Ran {
  return runNode('bench/run.mjs', ['--quiet', ...args], env, 170_000);
}

export const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
