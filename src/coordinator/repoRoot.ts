/**
 * Where reserved paths are relative to (issue 9): the repository root, so every worktree of one
 * repository names a file the same way. `--root` (or the library's `root`) wins; otherwise
 * `git rev-parse --show-toplevel` run in the current directory; otherwise the current directory.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { SwarmError } from '../errors.js';

/** Where patterns are read from: the root they are relative to, and the directory relative input starts in. */
export interface PathScope {
  /** The repository root; default: the git top level of `cwd`, else `cwd`. */
  root?: string;
  /**
   * Relative patterns are taken from here. Default: the process's current directory, or, when a
   * `root` is given and the current directory is outside it, the root.
   */
  cwd?: string;
}

export async function resolveScope(scope: PathScope = {}): Promise<{ root: string; cwd: string }> {
  const cwd = resolve(scope.cwd ?? process.cwd());
  if (scope.root !== undefined) {
    if (typeof scope.root !== 'string' || scope.root === '') throw new SwarmError('INVALID_INPUT', 'root: must be a directory path', { field: 'root' });
    const root = resolve(cwd, scope.root);
    if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new SwarmError('INVALID_INPUT', `root: ${JSON.stringify(root)} is not a directory`, { field: 'root' });
    const inside = cwd === root || cwd.startsWith(`${root}/`);
    return { root, cwd: scope.cwd === undefined && !inside ? root : cwd };
  }
  return { root: (await gitTopLevel(cwd)) ?? cwd, cwd };
}

/** node:child_process is loaded here, on first use: loading it costs every CLI call about 5 ms. */
async function gitTopLevel(cwd: string): Promise<string | null> {
  const { execFileSync } = await import('node:child_process');
  try {
    const out = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim();
    return out || null;
  } catch {
    return null; // not a repository, or no git: the current directory is the root
  }
}
