// @ts-check
/**
 * A target is whatever the workload drives: swarmfile's CLI, or any command that takes SwarmSH's
 * `claim/progress/complete` arguments (`--against`). Each knows how to build an argv, read a work
 * id from its output and check its own files afterwards.
 */
import { join } from 'node:path';
import { checkSwarmfileStore, checkSwarmshStore } from './invariants.mjs';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const CLI = join(ROOT, 'dist/coordination_helper.cjs');
export const LIBRARY = join(ROOT, 'dist/index.js');

/** SwarmSH prints human text around the id; swarmfile prints the id alone. */
/** @param {string} stdout */
export function parseWorkId(stdout) {
  const m = /\bwork_[0-9A-Za-z_.-]+/.exec(stdout);
  if (m) return m[0];
  const lines = stdout.trim().split('\n').filter(Boolean);
  return lines.length ? lines[lines.length - 1].trim() : null;
}

/** @returns {import('../types.js').Target} */
export function swarmfileTarget() {
  return { name: 'swarmfile', kind: 'swarmfile', argv: (args) => [process.execPath, CLI, ...args], check: checkSwarmfileStore };
}

/**
 * @param {string} command
 * @returns {import('../types.js').Target}
 */
export function commandTarget(command) {
  return { name: command, kind: 'command', argv: (args) => ['bash', '-c', `${command} "$@"`, 'against', ...args], check: checkSwarmshStore };
}
