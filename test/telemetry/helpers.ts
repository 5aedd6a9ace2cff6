import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
export const CLI = join(DIST, 'coordination_helper.cjs');
export const APPENDER = join(ROOT, 'test/telemetry/fixtures/appender.mjs');

/** Child processes run the built code; `make test` builds first. */
export function requireBuild(): void {
  if (!existsSync(CLI) || !existsSync(join(DIST, 'journal/appendRecord.js'))) throw new Error('dist/ is missing: run `make build` first');
}

export const tempDir = (prefix = 'swarmfile-tel-') => mkdtempSync(join(tmpdir(), prefix));

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function cliSync(args: string[], env: Record<string, string>): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => res({ status: code ?? -1, stdout, stderr }));
  });
}
