// @ts-check
/**
 * Builds a git ref of this repository in a temporary worktree, for `bench/run.mjs --compare REF`:
 * `git worktree add --detach`, node_modules linked from this checkout when the ref's
 * package-lock.json is the same as ours (else `npm ci` in the worktree), then the ref's own build
 * steps (tsc, and scripts/build-cli.mjs where the ref has it). `remove()` deletes the worktree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from './targets.mjs';

/**
 * A build to measure: its root (with dist/ built) and what it is.
 * @typedef {{ root: string, library: string, cli: string, label: string, commit: string | null, remove: () => void }} Build
 */

/**
 * @param {string} root a checkout with dist/ built
 * @param {string} label
 * @param {string | null} commit
 * @returns {Build}
 */
export function builtTree(root, label, commit) {
  const b = { root, library: join(root, 'dist/index.js'), cli: join(root, 'dist/coordination_helper.cjs'), label, commit, remove: () => {} };
  for (const f of [b.library, b.cli]) if (!existsSync(f)) throw new Error(`${f} is missing: build ${root} first (make build)`);
  return b;
}

/**
 * @param {string} ref any git revision (branch, tag, commit, HEAD~1)
 * @param {{ note?: (msg: string) => void }} [options]
 * @returns {Build}
 */
export function buildRef(ref, { note = () => {} } = {}) {
  const git = (/** @type {string[]} */ args, cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let commit;
  try {
    commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw Object.assign(new Error(`--compare ${ref}: not a commit of ${ROOT}`), { usage: true });
  }
  const dir = mkdtempSync(join(os.tmpdir(), `swarmfile-compare-${commit.slice(0, 10)}-`));
  rmSync(dir, { recursive: true, force: true });
  note(`compare: building ${ref} (${commit.slice(0, 10)}) in ${dir}`);
  git(['worktree', 'add', '--detach', dir, commit]);
  const remove = () => {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      git(['worktree', 'prune']);
    }
  };
  try {
    const ourLock = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
    const theirLock = existsSync(join(dir, 'package-lock.json')) ? readFileSync(join(dir, 'package-lock.json'), 'utf8') : null;
    if (theirLock === ourLock && existsSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    else {
      note(`compare: ${ref} has another package-lock.json: npm ci in the worktree`);
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const run = (/** @type {string[]} */ argv) => execFileSync(argv[0], argv.slice(1), { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    run([join(dir, 'node_modules/.bin/tsc'), '-p', 'tsconfig.json']);
    if (existsSync(join(dir, 'scripts/build-cli.mjs'))) run([process.execPath, 'scripts/build-cli.mjs']);
    return { ...builtTree(dir, ref, commit), remove };
  } catch (err) {
    remove();
    throw err;
  }
}
