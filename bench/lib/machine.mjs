// @ts-check
/** What a result must say about where it was measured: machine, Node version, git commit. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/**
 * @param {string[]} args
 * @param {string} cwd
 */
function git(args, cwd) {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine() {
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    cores: cpus.length,
    cpu_model: cpus[0]?.model ?? null,
    memory_bytes: os.totalmem(),
    free_memory_bytes: os.freemem(),
    loadavg: os.loadavg(),
    node: process.version,
  };
}

/** @param {string} cwd */
export function describeGit(cwd) {
  const status = git(['status', '--porcelain'], cwd);
  return { commit: git(['rev-parse', 'HEAD'], cwd), branch: git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd), dirty: status === null ? null : status.length > 0 };
}
